import type { AppLogger, RouteDecision, RouterPort } from '@lessllm/shared';
import { ROUTER_DECIDE_SUBJECT, ROUTER_PORT } from '@lessllm/shared';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { ROUTER_LOGGER } from './router.tokens';
import { parseRoutingInput } from './routing-input.schema';

/** `lessllm.router.decide` over NATS request/reply: a RoutingInput in, a RouteDecision out. */
@Controller()
export class RouterController {
  readonly stats = { decisions: 0, rejected: 0, failures: 0 };

  constructor(
    @Inject(ROUTER_PORT) private readonly engine: RouterPort,
    @Inject(ROUTER_LOGGER) private readonly logger: AppLogger,
  ) {}

  @MessagePattern(ROUTER_DECIDE_SUBJECT)
  async decide(@Payload() payload: unknown): Promise<RouteDecision> {
    let input;
    try {
      input = parseRoutingInput(payload);
    } catch (err) {
      this.stats.rejected++;
      throw new RpcException((err as Error).message);
    }
    try {
      const decision = await this.engine.decide(input);
      this.stats.decisions++;
      return decision;
    } catch (err) {
      this.stats.failures++;
      this.logger.warn({ err: (err as Error).message }, 'routing decision failed');
      throw new RpcException(`routing decision failed: ${(err as Error).message}`);
    }
  }
}
