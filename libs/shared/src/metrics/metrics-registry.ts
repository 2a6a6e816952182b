import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

/** DI token of a service's Prometheus registry (one per app instance, so tests can run several in one process). */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** A registry with Node's process metrics and a `service` label on every series. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export type LabelValues<L extends string> = Partial<Record<L, string>>;

/**
 * A counter read at scrape time from totals a component already keeps (e.g. a cache's hit/miss stats), so the hot
 * path pays nothing extra. The totals must only grow while the process lives.
 */
export function cumulativeCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Array<[LabelValues<L>, number]>,
): Counter<L> {
  return new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}
