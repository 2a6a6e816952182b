import { MetricsController } from '@lessllm/http';
import type { JetStreamCallConsumer } from '@lessllm/messaging';
import type { CallStore, LoadedConfig } from '@lessllm/shared';
import { CALL_STORE, METRICS_REGISTRY } from '@lessllm/shared';
import { Controller, Get, Inject, Module, ServiceUnavailableException, type DynamicModule } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { AnalyticsModule } from './analytics/analytics.module';

const CALL_CONSUMER = Symbol('CALL_CONSUMER');

@Controller('health')
class AnalyzerHealthController {
  constructor(
    @Inject(CALL_STORE) private readonly store: CallStore,
    @Inject(CALL_CONSUMER) private readonly consumer: JetStreamCallConsumer,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready when ClickHouse answers and NATS is connected: without either nothing can be ingested. */
  @Get('ready')
  async ready() {
    if (!(await this.store.ping())) throw new ServiceUnavailableException('ClickHouse is not reachable');
    if (!this.consumer.stats().connected) throw new ServiceUnavailableException('NATS is not connected');
    return { status: 'ok', checks: { clickhouse: 'up', nats: 'up' } };
  }
}

@Module({})
export class AnalyzerModule {
  static forRoot(
    config: LoadedConfig,
    store: CallStore,
    registry: Registry,
    consumer: JetStreamCallConsumer,
  ): DynamicModule {
    return {
      module: AnalyzerModule,
      imports: [AnalyticsModule.forStore(config, store)],
      controllers: [AnalyzerHealthController, MetricsController],
      providers: [
        { provide: CALL_STORE, useValue: store },
        { provide: CALL_CONSUMER, useValue: consumer },
        { provide: METRICS_REGISTRY, useValue: registry },
      ],
    };
  }
}
