import type { CallStore, LoadedConfig } from '@lessllm/shared';
import { CALL_STORE } from '@lessllm/shared';
import { Module, type DynamicModule } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsService } from './analytics.service';
import { ANALYTICS_CONFIG } from './analytics.tokens';

/** Mounted by the all-in-one server and by the analyzer service: same routes, same store port. */
@Module({})
export class AnalyticsModule {
  static forStore(config: LoadedConfig, store: CallStore): DynamicModule {
    return {
      module: AnalyticsModule,
      controllers: [AnalyticsController],
      providers: [
        { provide: ANALYTICS_CONFIG, useValue: config },
        { provide: CALL_STORE, useValue: store },
        AnalyticsService,
      ],
    };
  }
}
