import type { CallEventBus } from '@lessllm/shared';
import { CALL_EVENT_BUS } from '@lessllm/shared';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ResponseCacheService } from '../cache/response-cache.service';
import { InFlightCalls } from '../services/in-flight-calls';

/** How long readiness waits for Redis to answer a PING: a blackholed Redis shows as down within it. */
const CACHE_PING_MS = 300;

@Controller('health')
export class HealthController {
  constructor(
    @Inject(CALL_EVENT_BUS) private readonly bus: CallEventBus,
    private readonly cache: ResponseCacheService,
    private readonly calls: InFlightCalls,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * 200 while the gateway takes calls, `degraded` when a dependency is down (every one is optional for serving:
   * the cache fails open, events are buffered while NATS is away, the router falls back to its default tier);
   * 503 `draining` from the start of a shutdown, so load balancers stop sending calls. Each check reflects the
   * dependency's state now (Redis is PINGed), not the last time its connection changed.
   */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const store = this.cache.backend;
    const cacheUp = await store.ready(CACHE_PING_MS).catch(() => false);
    const bus = this.bus.stats?.();
    const busUp = !bus || (bus.connected && !bus.stalled);
    const draining = this.calls.isDraining;
    if (draining) reply.status(503);
    return {
      status: draining ? 'draining' : cacheUp && busUp ? 'ok' : 'degraded',
      in_flight: this.calls.size,
      checks: {
        cache_store: { kind: store.kind, status: cacheUp ? 'up' : 'down (calls bypass the cache)' },
        event_bus: bus
          ? {
              kind: 'nats',
              status: busUp ? 'up' : bus.connected ? 'stalled (events are buffered)' : 'down (events are buffered)',
              buffered: bus.buffered,
            }
          : { kind: 'in-process', status: 'up' },
      },
    };
  }
}
