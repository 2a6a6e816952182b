import type { AppLogger, RouterPort } from '@lessllm/shared';
import { ROUTER_PORT } from '@lessllm/shared';
import { Module, type DynamicModule } from '@nestjs/common';
import { RouterController } from './router.controller';
import { ROUTER_LOGGER } from './router.tokens';

@Module({})
export class RouterModule {
  static forRoot(options: { engine: RouterPort; logger: AppLogger }): DynamicModule {
    return {
      module: RouterModule,
      controllers: [RouterController],
      providers: [
        { provide: ROUTER_PORT, useValue: options.engine },
        { provide: ROUTER_LOGGER, useValue: options.logger },
      ],
    };
  }
}
