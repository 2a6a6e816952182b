import { MetricsController } from '@lessllm/http';
import type { AppLogger, RouterPort } from '@lessllm/shared';
import { METRICS_REGISTRY, ROUTER_PORT } from '@lessllm/shared';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { RouterMetrics } from './router-metrics';
import { RouterController, RouterHealthController } from './router.controller';
import { ROUTER_LOGGER } from './router.tokens';

@Module({})
export class RouterModule {
  static forRoot(options: { engine: RouterPort; logger: AppLogger; registry: Registry }): DynamicModule {
    return {
      module: RouterModule,
      controllers: [RouterController, RouterHealthController, MetricsController],
      providers: [
        { provide: ROUTER_PORT, useValue: options.engine },
        { provide: ROUTER_LOGGER, useValue: options.logger },
        { provide: METRICS_REGISTRY, useValue: options.registry },
        { provide: RouterMetrics, useValue: new RouterMetrics(options.registry) },
      ],
    };
  }
}
