import { SchemaCatalogue, type JsonSchema } from '../http/schema.catalogue.js';
import type { EventContract } from './event-contract.js';

export interface AsyncApiOptions {
  info: { title: string; version: string; description?: string };
  /** The default of `KAFKA_TOPIC_PREFIX`: topics are `<prefix>.<module>`, consumer groups `<prefix>.<module>`. */
  topicPrefix: string;
}

/** What the document needs of a module (a ModuleDefinition is one; events sit below module.ts). */
export interface EventParticipant {
  readonly name: string;
  readonly publishes: readonly EventContract<unknown>[];
  readonly subscriptions: readonly { readonly contract: EventContract<unknown> }[];
}

const KAFKA_BINDING_VERSION = '0.5.0';

/** The CloudEvents Kafka binding's headers (binary mode), with `ce_type` and `ce_source` fixed per message when given. */
function cloudEventHeaders(type?: string, source?: string): JsonSchema {
  return {
    type: 'object',
    required: ['ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_subject', 'ce_time', 'content-type'],
    properties: {
      ce_specversion: { type: 'string', const: '1.0', description: 'CloudEvents version.' },
      ce_id: { type: 'string', format: 'uuid', description: 'The event id (UUIDv7); consumers deduplicate on it.' },
      ce_source: source ? { type: 'string', const: source, description: 'The publishing module.' } : { type: 'string', description: 'The publishing module.' },
      ce_type: type ? { type: 'string', const: type, description: 'The versioned event type.' } : { type: 'string', description: 'The versioned event type.' },
      ce_subject: { type: 'string', minLength: 1, description: 'The aggregate id: also the message key, so one subject keeps its order on one partition.' },
      ce_time: { type: 'string', format: 'date-time', description: 'When the event happened.' },
      ce_traceparent: {
        type: 'string',
        pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
        description: 'W3C trace context of the publishing request.',
      },
      ce_tracestate: {
        type: 'string',
        maxLength: 512,
        description: 'W3C tracestate that goes with ce_traceparent (CloudEvents distributed-tracing extension).',
      },
      ce_requestid: {
        type: 'string',
        pattern: '^[A-Za-z0-9._:-]{1,128}$',
        description: 'X-Request-Id of the HTTP request that caused the event (extension attribute), to find every log line of it.',
      },
      'content-type': { type: 'string', const: 'application/json' },
    },
  };
}

const KEY_BINDING = {
  kafka: { key: { type: 'string', description: 'The event subject (the aggregate id).' }, bindingVersion: KAFKA_BINDING_VERSION },
};

function title(type: string): string {
  const [aggregate, event] = type.split('.');
  return `${aggregate} ${event?.replaceAll('-', ' ')}`;
}

/**
 * AsyncAPI 3.0 from the modules' published contracts: one channel per publishing module (its Kafka
 * topic), one message per event type (CloudEvents headers plus the zod payload schema), and
 * operations saying which module sends and which receives each message.
 */
export function buildAsyncApiDocument(modules: readonly EventParticipant[], options: AsyncApiOptions): JsonSchema {
  const schemas = new SchemaCatalogue('draft-7');
  const messages: Record<string, JsonSchema> = {};
  const channels: Record<string, JsonSchema> = {};
  const operations: Record<string, JsonSchema> = {};
  const publisher = new Map<string, string>();
  const prefix = {
    description: 'The topic prefix (`KAFKA_TOPIC_PREFIX`), shared by every topic and consumer group of one system.',
    default: options.topicPrefix,
  };

  for (const module of modules) {
    if (module.publishes.length === 0) continue;
    for (const contract of module.publishes) {
      if (publisher.has(contract.type)) throw new Error(`${contract.type} is published by both ${publisher.get(contract.type)} and ${module.name}`);
      publisher.set(contract.type, module.name);
      messages[contract.type] = message(contract, module.name, schemas);
    }
    channels[module.name] = {
      address: `{prefix}.${module.name}`,
      title: `${module.name} events`,
      description: `Every event the ${module.name} module publishes (its outbox, relayed at least once). Key = subject; CloudEvents binary binding.`,
      parameters: { prefix },
      messages: Object.fromEntries(module.publishes.map((c) => [c.type, { $ref: `#/components/messages/${c.type}` }])),
    };
    operations[`${module.name}.publish`] = {
      action: 'send',
      channel: { $ref: `#/channels/${module.name}` },
      title: `The ${module.name} module publishes`,
      messages: module.publishes.map((c) => ({ $ref: `#/channels/${module.name}/messages/${c.type}` })),
    };
  }

  for (const module of modules) {
    const bySource = new Map<string, EventContract[]>();
    for (const { contract } of module.subscriptions) {
      const source = publisher.get(contract.type);
      if (!source) throw new Error(`${module.name} subscribes to ${contract.type}, which no module publishes`);
      bySource.set(source, [...(bySource.get(source) ?? []), contract]);
    }
    for (const [source, contracts] of bySource) {
      operations[`${module.name}.receive.${source}`] = {
        action: 'receive',
        channel: { $ref: `#/channels/${source}` },
        title: `The ${module.name} module receives from ${source}`,
        description: `Consumer group \`<prefix>.${module.name}\`: replicas of ${module.name} share the partitions; the inbox makes redeliveries harmless.`,
        messages: contracts.map((c) => ({ $ref: `#/channels/${source}/messages/${c.type}` })),
        bindings: { kafka: { groupId: { type: 'string', pattern: `^.+\\.${module.name}$` }, bindingVersion: KAFKA_BINDING_VERSION } },
      };
    }
    if (bySource.size > 0) {
      channels[`${module.name}.dead-letter`] = {
        address: `{prefix}.${module.name}.dead-letter`,
        title: `${module.name} dead letters`,
        description: `Events the ${module.name} module gave up on (invalid, unknown version, or failing after retries), as they came, with the reason.`,
        parameters: { prefix },
        messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } },
      };
      operations[`${module.name}.dead-letter`] = {
        action: 'send',
        channel: { $ref: `#/channels/${module.name}.dead-letter` },
        title: `The ${module.name} module dead-letters`,
        messages: [{ $ref: `#/channels/${module.name}.dead-letter/messages/deadLetter` }],
      };
    }
  }

  const anyEvent = cloudEventHeaders();
  messages['deadLetter'] = {
    name: 'deadLetter',
    title: 'Dead letter',
    summary: 'An event a consumer gave up on, with its original headers and data.',
    contentType: 'application/json',
    headers: {
      ...anyEvent,
      properties: {
        ...(anyEvent['properties'] as JsonSchema),
        'x-dead-letter-reason': { type: 'string', maxLength: 1000, description: 'Why the consumer gave up.' },
      },
      required: [...(anyEvent['required'] as string[]), 'x-dead-letter-reason'],
    },
    payload: { description: 'The original event data, as it came.' },
    bindings: KEY_BINDING,
  };

  return {
    asyncapi: '3.0.0',
    info: options.info,
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: '{brokers}',
        protocol: 'kafka',
        description: 'The Kafka cluster of a split deployment (`KAFKA_BROKERS`). In one process the same events travel in memory.',
        variables: { brokers: { default: '127.0.0.1:9092', description: 'One of `KAFKA_BROKERS`.' } },
      },
    },
    channels,
    operations,
    components: { messages, schemas: schemas.components() },
  };

  function message(contract: EventContract, source: string, catalogue: SchemaCatalogue): JsonSchema {
    const payload = catalogue.convert(contract.schema, 'output');
    return {
      name: contract.type,
      title: title(contract.type),
      ...(typeof payload['description'] === 'string' ? { summary: payload['description'] } : {}),
      contentType: 'application/json',
      headers: cloudEventHeaders(contract.type, source),
      payload,
      bindings: KEY_BINDING,
    };
  }
}
