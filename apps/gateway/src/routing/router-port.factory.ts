import { NatsRouterClient } from '@lessllm/messaging';
import { RouterEngine } from '@lessllm/routing';
import type { AppLogger, LessLLMConfig, RouterPort } from '@lessllm/shared';

/**
 * `router.nats_url` set: the router service over NATS (distributed mode). Unset: the same engine in-process
 * (embedded mode). Cascade needs no classifier and stays in-process either way. Null without a `router:` block.
 */
export function createRouterPort(config: LessLLMConfig, logger: AppLogger): RouterPort | null {
  const router = config.router;
  if (!router) return null;
  if (!router.nats_url || router.classifier === 'cascade') return new RouterEngine(router, logger);
  const client = new NatsRouterClient(router.nats_url);
  client
    .connect()
    .catch((err: Error) =>
      logger.warn(
        { err: err.message },
        'router: cannot reach NATS; tier requests use router.default_tier until it can',
      ),
    );
  return client;
}
