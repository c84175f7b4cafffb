import type { MikroORM } from '@mikro-orm/core';
import { ConflictError, NotFoundError } from '../errors/http.errors.js';
import { DeadLetterSchema, type DeadLetter, type DeadLetterStatus } from './dead-letter.entity.js';
import type { EventConsumer } from './event.consumer.js';

/** Inspection and replay of one module's dead letters. */
export class DeadLetterService {
  constructor(
    private readonly orm: MikroORM,
    private readonly consumer: EventConsumer,
  ) {}

  async list(status?: DeadLetterStatus): Promise<DeadLetter[]> {
    return this.orm.em.fork().find(DeadLetterSchema, status ? { status } : {}, { orderBy: { failedAt: 'asc' }, limit: 500 });
  }

  /** Delivers the event again through the module's handler; fails with 409 if it fails again. */
  async replay(id: string): Promise<DeadLetter> {
    const letter = await this.orm.em.fork().findOne(DeadLetterSchema, { id });
    if (!letter) throw new NotFoundError(`No dead letter ${id}.`);
    if (letter.status === 'replayed') throw new ConflictError(`Dead letter ${id} was already replayed.`);
    const outcome = await this.consumer.process(letter.envelope);
    if (outcome === 'dead-lettered') {
      const failed = await this.orm.em.fork().findOneOrFail(DeadLetterSchema, { id });
      throw new ConflictError(`Replay failed: ${failed.reason}`);
    }
    const em = this.orm.em.fork();
    const replayed = await em.findOneOrFail(DeadLetterSchema, { id });
    replayed.status = 'replayed';
    replayed.replayedAt = new Date();
    await em.flush();
    return replayed;
  }
}
