import type { CallStore, LoadedConfig } from '@lessllm/shared';
import { CALL_STORE } from '@lessllm/shared';
import { Controller, Get, Inject, Module, ServiceUnavailableException, type DynamicModule } from '@nestjs/common';
import { AnalyticsModule } from './analytics/analytics.module';

@Controller('health')
class AnalyzerHealthController {
  constructor(@Inject(CALL_STORE) private readonly store: CallStore) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready when ClickHouse answers: without it nothing can be acknowledged. */
  @Get('ready')
  async ready() {
    if (!(await this.store.ping())) throw new ServiceUnavailableException('ClickHouse is not reachable');
    return { status: 'ok' };
  }
}

@Module({})
export class AnalyzerModule {
  static forRoot(config: LoadedConfig, store: CallStore): DynamicModule {
    return {
      module: AnalyzerModule,
      imports: [AnalyticsModule.forStore(config, store)],
      controllers: [AnalyzerHealthController],
      providers: [{ provide: CALL_STORE, useValue: store }],
    };
  }
}
