import type { AppConfig } from '../kernel/config/config.schema.js';
import type { EventTransport } from '../kernel/events/event-transport.port.js';
import { MemoryTransport } from '../kernel/events/memory.transport.js';
import { StartupError } from './startup.error.js';

/**
 * In memory when this process hosts every module (or when told to), over a broker otherwise: a
 * split process on an in-memory bus would silently never hear from the other modules.
 */
export function selectTransport(config: AppConfig, hostsEverything: boolean, moduleNames: readonly string[]): EventTransport {
  const wanted = config.events.transport ?? (config.events.kafkaBrokers.length > 0 ? 'kafka' : hostsEverything ? 'memory' : undefined);
  if (wanted === 'memory') return new MemoryTransport();
  if (wanted === 'kafka') {
    throw new StartupError('EVENT_BUS=kafka is not available in this build yet; use EVENT_BUS=memory or run every module in one process');
  }
  throw new StartupError(
    `MODULES=${moduleNames.join(',')} does not host every module: set KAFKA_BROKERS to reach the others over Kafka, or EVENT_BUS=memory to run them isolated`,
  );
}
