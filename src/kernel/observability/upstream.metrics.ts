import { Gauge, type Registry } from 'prom-client';

export interface UpstreamInstance {
  module: string;
  url: string;
  healthy: boolean;
  broken: boolean;
}

/** The gateway's view of each upstream instance, read at scrape time: health probe and circuit breaker. */
export function registerUpstreams(registry: Registry, instances: () => readonly UpstreamInstance[]): void {
  new Gauge({
    name: 'gateway_upstream_healthy',
    help: 'Whether the gateway finds an upstream instance healthy (1) or not (0)',
    labelNames: ['module', 'instance'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const i of instances()) this.set({ module: i.module, instance: i.url }, i.healthy ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gateway_upstream_breaker_open',
    help: "Whether an upstream instance's circuit breaker is open (1) or closed/half-open (0)",
    labelNames: ['module', 'instance'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const i of instances()) this.set({ module: i.module, instance: i.url }, i.broken ? 1 : 0);
    },
  });
}
