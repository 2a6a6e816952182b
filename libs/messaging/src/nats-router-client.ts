import type { RouteDecision, RouterPort, RoutingInput } from '@lessllm/shared';
import { ROUTER_DECIDE_SUBJECT } from '@lessllm/shared';
import { ClientNats } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';

/**
 * The gateway's side of `lessllm.router.decide`: a Nest NATS client (same wire format as the router's
 * @MessagePattern). With no router replica subscribed, NATS answers "no responders" at once, so a router that is
 * down costs no timeout. The caller bounds the wait (router.timeout_ms) and falls back to the default tier.
 */
export class NatsRouterClient implements RouterPort {
  private readonly client: ClientNats;

  constructor(natsUrl: string) {
    this.client = new ClientNats({ servers: [natsUrl], name: 'lessllm-gateway-router-client' });
  }

  /** Connects in the background: decisions before the connection is up fail fast (default tier). */
  connect(): Promise<void> {
    return this.client.connect().then(() => undefined);
  }

  decide(input: RoutingInput): Promise<RouteDecision> {
    return firstValueFrom(this.client.send<RouteDecision, RoutingInput>(ROUTER_DECIDE_SUBJECT, input));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
