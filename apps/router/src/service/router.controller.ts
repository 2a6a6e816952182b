import type { AppLogger, RouteDecision, RouterPort, RoutingInput } from '@lessllm/shared';
import { ROUTER_DECIDE_SUBJECT, ROUTER_PORT } from '@lessllm/shared';
import { Controller, Get, Inject } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { RouterMetrics } from './router-metrics';
import { ROUTER_LOGGER } from './router.tokens';
import { parseRoutingInput } from './routing-input.schema';

/** `lessllm.router.decide` over NATS request/reply: a RoutingInput in, a RouteDecision out. */
@Controller()
export class RouterController {
  constructor(
    @Inject(ROUTER_PORT) private readonly engine: RouterPort,
    @Inject(ROUTER_LOGGER) private readonly logger: AppLogger,
    private readonly metrics: RouterMetrics,
  ) {}

  @MessagePattern(ROUTER_DECIDE_SUBJECT)
  async decide(@Payload() payload: unknown): Promise<RouteDecision> {
    let input: RoutingInput;
    try {
      input = parseRoutingInput(payload);
    } catch (err) {
      this.metrics.rejected.inc();
      throw new RpcException((err as Error).message);
    }
    const end = this.metrics.duration.startTimer();
    try {
      const decision = await this.engine.decide(input);
      end();
      this.metrics.decisions.inc({ tier: decision.tier, classifier: decision.classifier });
      return decision;
    } catch (err) {
      this.metrics.failures.inc();
      this.logger.warn({ err: (err as Error).message }, 'routing decision failed');
      throw new RpcException(`routing decision failed: ${(err as Error).message}`);
    }
  }
}

/** Liveness and readiness over HTTP (the decisions themselves travel over NATS). */
@Controller('health')
export class RouterHealthController {
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Served only once the NATS subscription is up (the HTTP server starts after it). */
  @Get('ready')
  ready() {
    return { status: 'ok' };
  }
}
