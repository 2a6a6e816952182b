import { Counter, Histogram, type Registry } from 'prom-client';

/** The router service's Prometheus metrics. */
export class RouterMetrics {
  readonly decisions: Counter<'tier' | 'classifier'>;
  readonly rejected: Counter;
  readonly failures: Counter;
  readonly duration: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.decisions = new Counter({
      name: 'lessllm_router_service_decisions_total',
      help: 'Decisions answered on lessllm.router.decide, by tier and classifier.',
      labelNames: ['tier', 'classifier'],
      registers,
    });
    this.rejected = new Counter({
      name: 'lessllm_router_service_rejected_total',
      help: 'Decide requests refused because the payload was not a valid RoutingInput.',
      registers,
    });
    this.failures = new Counter({
      name: 'lessllm_router_service_failures_total',
      help: 'Decide requests whose classifier threw.',
      registers,
    });
    this.duration = new Histogram({
      name: 'lessllm_router_service_decision_seconds',
      help: 'Time to classify one request inside the router service (NATS transport excluded).',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1],
      registers,
    });
  }
}
