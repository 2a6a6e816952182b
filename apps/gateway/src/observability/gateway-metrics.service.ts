import type { CallEvent, CallEventBus } from '@lessllm/shared';
import { CALL_EVENT_BUS, cumulativeCounter, METRICS_REGISTRY } from '@lessllm/shared';
import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ResponseCacheService } from '../cache/response-cache.service';
import { SemanticResponseCacheService } from '../cache/semantic-response-cache.service';
import { RoutePlannerService } from '../routing/route-planner.service';

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
const OVERHEAD_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

/**
 * The gateway's Prometheus metrics. Per-call series are observed from the CallEvent when it is recorded; cache,
 * router and event-bus series are read at scrape time from the counters those components keep anyway.
 * Labels use OpenTelemetry GenAI names where they exist, in Prometheus form (gen_ai.provider.name → provider).
 */
@Injectable()
export class GatewayMetricsService {
  private readonly calls: Counter<'endpoint' | 'provider' | 'model' | 'status'>;
  private readonly upstreamErrors: Counter<'provider' | 'kind'>;
  private readonly ttft: Histogram<'provider' | 'model'>;
  private readonly upstreamDuration: Histogram<'provider' | 'model'>;
  private readonly overhead: Histogram<'endpoint' | 'cache'>;
  private readonly routed: Counter<'tier' | 'source'>;
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;

  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    cache: ResponseCacheService,
    semantic: SemanticResponseCacheService,
    routes: RoutePlannerService,
    @Inject(CALL_EVENT_BUS) bus: CallEventBus,
  ) {
    const registers = [registry];
    this.httpRequests = new Counter({
      name: 'lessllm_http_requests_total',
      help: 'HTTP requests by route template, method and status code.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.calls = new Counter({
      name: 'lessllm_gateway_calls_total',
      help: 'Model calls by endpoint, provider, served model and outcome (success, error, aborted).',
      labelNames: ['endpoint', 'provider', 'model', 'status'],
      registers,
    });
    this.upstreamErrors = new Counter({
      name: 'lessllm_upstream_errors_total',
      help: 'Failed upstream attempts (retried or not) by provider and kind (upstream_status, egress, timeout, protocol).',
      labelNames: ['provider', 'kind'],
      registers,
    });
    this.ttft = new Histogram({
      name: 'lessllm_ttft_seconds',
      help: 'Time to first token of streamed calls, from the request reaching the gateway.',
      labelNames: ['provider', 'model'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'lessllm_upstream_duration_seconds',
      help: 'Wall time of the upstream attempts of a call (retries included, backoff excluded).',
      labelNames: ['provider', 'model'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.overhead = new Histogram({
      name: 'lessllm_gateway_overhead_seconds',
      help: 'Non-streamed calls: total time minus upstream time (parsing, auth, cache, routing, translation, writing).',
      labelNames: ['endpoint', 'cache'],
      buckets: OVERHEAD_BUCKETS,
      registers,
    });
    this.routed = new Counter({
      name: 'lessllm_router_decisions_total',
      help: 'Tier requests by chosen tier and source (router, forced, default).',
      labelNames: ['tier', 'source'],
      registers,
    });
    cumulativeCounter(
      registry,
      'lessllm_cache_lookups_total',
      'Response-cache lookups by cache (exact, semantic) and outcome (hit, miss, bypass, error = store failed or slow).',
      ['cache', 'outcome'],
      () => {
        const e = cache.stats();
        const s = semantic.stats();
        return [
          [{ cache: 'exact', outcome: 'hit' }, e.hits],
          [{ cache: 'exact', outcome: 'miss' }, e.misses],
          [{ cache: 'exact', outcome: 'bypass' }, e.bypasses - e.lookup_failures],
          [{ cache: 'exact', outcome: 'error' }, e.lookup_failures],
          [{ cache: 'semantic', outcome: 'hit' }, s.hits],
          [{ cache: 'semantic', outcome: 'miss' }, s.misses],
          [{ cache: 'semantic', outcome: 'error' }, s.lookup_failures],
        ];
      },
    );
    cumulativeCounter(
      registry,
      'lessllm_router_fallbacks_total',
      'Tier requests served by router.default_tier because the router timed out or failed.',
      ['reason'],
      () => [
        [{ reason: 'timeout' }, routes.stats.timeouts],
        [{ reason: 'error' }, routes.stats.failures],
      ],
    );
    cumulativeCounter(
      registry,
      'lessllm_events_dropped_total',
      'CallEvents dropped by a full event buffer.',
      [],
      () => [[{}, bus.stats?.().dropped ?? 0]],
    );
    new Gauge({
      name: 'lessllm_event_buffer_depth',
      help: 'CallEvents waiting to be acknowledged by JetStream.',
      registers,
      collect() {
        this.set(bus.stats?.().buffered ?? 0);
      },
    });
  }

  /** Called once per recorded call. `upstreamMs`: unrounded wall time of its upstream attempts. */
  observeCall(event: CallEvent, upstreamMs: number): void {
    const provider = event.provider;
    const model = event.model;
    this.calls.inc({ endpoint: event.endpoint, provider, model, status: event.status });
    for (const attempt of event.attempts) {
      if (attempt.error_type) this.upstreamErrors.inc({ provider: attempt.provider, kind: attempt.error_type });
    }
    if (event.is_streaming && event.timing.first_token_ms !== null) {
      this.ttft.observe({ provider, model }, event.timing.first_token_ms / 1000);
    }
    if (event.attempts.length > 0) this.upstreamDuration.observe({ provider, model }, upstreamMs / 1000);
    if (!event.is_streaming && event.status === 'success') {
      const cache = event.cache?.status === 'hit' || event.cache?.status === 'semantic-hit' ? 'hit' : 'none';
      this.overhead.observe(
        { endpoint: event.endpoint, cache },
        Math.max(0, event.timing.total_ms - upstreamMs) / 1000,
      );
    }
    if (event.route) this.routed.inc({ tier: event.route.tier, source: event.route.source });
  }
}
