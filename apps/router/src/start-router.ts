import { NestPinoLogger } from '@lessllm/http';
import { RouterEngine } from '@lessllm/routing';
import type { AppLogger, LoadedConfig } from '@lessllm/shared';
import { createLogger, createMetricsRegistry, loadConfig } from '@lessllm/shared';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import 'reflect-metadata';
import { RouterModule } from './service/router.module';

export interface StartRouterOptions {
  config?: LoadedConfig | string;
  /** Overrides router.nats_url / events.nats_url. */
  natsUrl?: string;
  /** HTTP port for /health and /metrics (default 8002; 0 = a free port). */
  port?: number;
  host?: string;
  logger?: AppLogger;
}

export interface RunningRouter {
  natsUrl: string;
  /** Base URL of /health and /metrics. */
  url: string;
  engine: RouterEngine;
  stop(): Promise<void>;
}

/** Replicas share the subject through this queue group: each request is answered by one of them. */
export const ROUTER_QUEUE = 'lessllm-router';
export const ROUTER_HTTP_PORT = 8002;

/**
 * The router service: a Nest microservice answering lessllm.router.decide over NATS request/reply, plus a small
 * HTTP server for /health and /metrics.
 */
export async function startRouter(options: StartRouterOptions = {}): Promise<RunningRouter> {
  const loaded = typeof options.config === 'object' ? options.config : loadConfig(options.config);
  const { config } = loaded;
  const logger = options.logger ?? createLogger('router', config.server.log_level);
  if (!config.router) throw new Error('router: no `router:` block in the config (tiers, default_tier, classifier)');
  const natsUrl = options.natsUrl ?? config.router.nats_url ?? config.events.nats_url;
  if (!natsUrl) throw new Error('router.nats_url (or events.nats_url): the router service answers over NATS');
  const engine = new RouterEngine(config.router, logger);
  const registry = createMetricsRegistry('router');
  const app = await NestFactory.create<NestFastifyApplication>(
    RouterModule.forRoot({ engine, logger, registry }),
    new FastifyAdapter(),
    { logger: new NestPinoLogger(logger) },
  );
  app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.NATS,
    options: { servers: [natsUrl], queue: ROUTER_QUEUE, name: 'lessllm-router' },
  });
  await app.startAllMicroservices();
  const host = options.host ?? config.server.host;
  await app.listen(options.port ?? ROUTER_HTTP_PORT, host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? ROUTER_HTTP_PORT);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  logger.info(
    { nats_url: natsUrl, port, classifier: config.router.classifier, tiers: Object.keys(config.router.tiers) },
    'router listening',
  );
  return {
    natsUrl,
    url: `http://${shownHost}:${port}`,
    engine,
    async stop() {
      await app.close();
      await engine.close();
    },
  };
}
