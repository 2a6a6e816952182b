import type { AppLogger, LoadedConfig } from '@lessllm/shared';
import { createLogger, loadConfig } from '@lessllm/shared';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import 'reflect-metadata';
import { NestPinoLogger } from '../../gateway/src/http/nest-pino-logger';
import { RouterEngine } from './engine';
import { RouterModule } from './service/router.module';

export interface StartRouterOptions {
  config?: LoadedConfig | string;
  /** Overrides router.nats_url / events.nats_url. */
  natsUrl?: string;
  logger?: AppLogger;
}

export interface RunningRouter {
  natsUrl: string;
  engine: RouterEngine;
  stop(): Promise<void>;
}

/** Replicas share the subject through this queue group: each request is answered by one of them. */
export const ROUTER_QUEUE = 'lessllm-router';

/** The router service: answers lessllm.router.decide over NATS request/reply (a Nest microservice). */
export async function startRouter(options: StartRouterOptions = {}): Promise<RunningRouter> {
  const loaded = typeof options.config === 'object' ? options.config : loadConfig(options.config);
  const { config } = loaded;
  const logger = options.logger ?? createLogger('router', config.server.log_level);
  if (!config.router) throw new Error('router: no `router:` block in the config (tiers, default_tier, classifier)');
  const natsUrl = options.natsUrl ?? config.router.nats_url ?? config.events.nats_url;
  if (!natsUrl) throw new Error('router.nats_url (or events.nats_url): the router service answers over NATS');
  const engine = new RouterEngine(config.router, logger);
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(RouterModule.forRoot({ engine, logger }), {
    transport: Transport.NATS,
    options: { servers: [natsUrl], queue: ROUTER_QUEUE, name: 'lessllm-router' },
    logger: new NestPinoLogger(logger),
  });
  await app.listen();
  logger.info(
    { nats_url: natsUrl, classifier: config.router.classifier, tiers: Object.keys(config.router.tiers) },
    'router listening',
  );
  return {
    natsUrl,
    engine,
    async stop() {
      await app.close();
      await engine.close();
    },
  };
}
