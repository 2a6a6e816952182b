import type { CallEventBus } from '@lessllm/shared';
import { CALL_EVENT_BUS } from '@lessllm/shared';
import { Controller, Get, Inject } from '@nestjs/common';
import { ResponseCacheService } from '../cache/response-cache.service';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(CALL_EVENT_BUS) private readonly bus: CallEventBus,
    private readonly cache: ResponseCacheService,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Always ready when it answers: every dependency is optional for serving calls (the cache fails open, events
   * are buffered while NATS is away, the router falls back to its default tier). The body says what is degraded.
   */
  @Get('ready')
  async ready() {
    const store = this.cache.backend;
    const cacheUp = await store.ready(50).catch(() => false);
    const bus = this.bus.stats?.();
    return {
      status: 'ok',
      checks: {
        cache_store: { kind: store.kind, status: cacheUp ? 'up' : 'down (calls bypass the cache)' },
        event_bus: bus
          ? { kind: 'nats', status: bus.connected ? 'up' : 'down (events are buffered)', buffered: bus.buffered }
          : { kind: 'in-process', status: 'up' },
      },
    };
  }
}
