import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';
import type { UnitOfWork } from '../../../src/kernel/events/unit-of-work.js';
import type { EventContract } from '../../../src/kernel/events/event-contract.js';
import type { EventEnvelope } from '../../../src/kernel/events/event-envelope.js';
import { on, type EventHandler } from '../../../src/kernel/events/event-handler.js';
import { defineModule, type ModuleDefinition } from '../../../src/kernel/module.js';
import { TOKENS } from '../../../src/kernel/tokens.js';
import { waitFor } from '../wait-for.js';

export interface ProbeOptions {
  /** The module name (also its bus source); `probe` by default. */
  name?: string;
  /** What the probe feeds the module under test (it is their publisher on this bus). */
  publishes?: readonly EventContract[];
  /** What the probe listens to and records (the module under test's contracts). */
  records?: readonly EventContract[];
  /** Called with each recorded envelope, inside the probe's handler. */
  onEvent?: (event: EventEnvelope) => void;
}

/**
 * A fixture module around one module under test: it publishes stimuli through its own unit of work
 * (outbox, relay, transport: the real path) and records every envelope it receives.
 */
export class Probe {
  readonly module: ModuleDefinition;
  /** Every envelope received, in arrival order (redeliveries included). */
  readonly received: EventEnvelope[] = [];
  private uow: UnitOfWork | undefined;

  constructor(options: ProbeOptions = {}) {
    const name = options.name ?? 'probe';
    const recorder: EventHandler<unknown> = {
      handle: async (event) => {
        this.received.push(event);
        options.onEvent?.(event);
      },
    };
    const RECORDER = Symbol(`${name}.recorder`);
    this.module = defineModule({
      name,
      entities: [],
      publishes: options.publishes ?? [],
      subscriptions: (options.records ?? []).map((contract) => on(contract, RECORDER)),
      register: (container: DependencyContainer) => {
        container.register(RECORDER, { useValue: recorder });
      },
      api: [],
      routes: () => [],
      start: async (container: DependencyContainer) => {
        this.uow = container.resolve(TOKENS.UnitOfWork);
      },
    });
  }

  /** Publishes one event (subject = aggregate id) in its own transaction; resolves with its id. */
  async publish<T>(contract: EventContract<T>, subject: string, data: T): Promise<void> {
    if (!this.uow) throw new Error('the probe module is not started');
    await this.uow.run(async (tx) => tx.publish(contract, subject, data));
  }

  /** Envelopes of this contract received so far (optionally only those matching). */
  all<T>(contract: EventContract<T>, where: (data: T) => boolean = () => true): EventEnvelope<T>[] {
    return this.received.filter((e) => e.type === contract.type && where(e.data as T)) as EventEnvelope<T>[];
  }

  /** Waits (bounded) for an envelope of this contract matching `where`. */
  async next<T>(contract: EventContract<T>, where: (data: T) => boolean = () => true, timeoutMs = 5_000): Promise<EventEnvelope<T>> {
    return waitFor(() => this.all(contract, where)[0], timeoutMs, `a ${contract.type} event`);
  }
}
