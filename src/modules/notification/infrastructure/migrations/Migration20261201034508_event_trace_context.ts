import { Migration } from '@mikro-orm/migrations';

export class Migration20261201034508_event_trace_context extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "notification"."event_outbox" add column "tracestate" varchar(512) null, add column "requestid" varchar(128) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "notification"."event_outbox" drop column "tracestate", drop column "requestid";`);
  }

}
