import { ApiExceptionFilter, NestPinoLogger } from '@lessllm/http';
import type { AppLogger, CallEventBus, LoadedConfig } from '@lessllm/shared';
import { createLogger, InProcessEventBus, loadConfig } from '@lessllm/shared';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import 'reflect-metadata';
import { GatewayModule } from './gateway.module';
import { useJsonBodyParser } from './http/json-body-parser';
import { refuseWebSocketUpgrades } from './http/websocket-refusal';
import { GatewayMetricsService } from './observability/gateway-metrics.service';
import { countHttpRequests } from './observability/http-metrics.hook';
import { drainCalls } from './shutdown/drain';

export interface StartGatewayOptions {
  /** A loaded config, or a path to lessllm.yaml; omitted = environment variables alone. */
  config?: LoadedConfig | string;
  /** Overrides server.port (0 = a free port). */
  port?: number;
  host?: string;
  /** Where call events go; default an in-process bus. */
  bus?: CallEventBus;
  logger?: AppLogger;
  /** More Nest modules served by the same HTTP server (e.g. the analytics API in all-in-one mode). */
  imports?: DynamicModule[];
  /** Prometheus registry for /metrics (all-in-one mode shares one with the embedded analyzer). */
  metrics?: Registry;
}

export interface RunningGateway {
  /** Base URL, e.g. http://127.0.0.1:8000 (SDKs use `${url}/v1`). */
  url: string;
  port: number;
  bus: CallEventBus;
  app: NestFastifyApplication;
  stop(): Promise<void>;
}

/** Builds and starts the gateway HTTP service; used by the CLI, tests and the benchmark. */
export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const loaded = typeof options.config === 'object' ? options.config : loadConfig(options.config);
  const { server } = loaded.config;
  const logger = options.logger ?? createLogger('gateway', server.log_level);
  const bus = options.bus ?? new InProcessEventBus((err) => logger.error({ err }, 'call event subscriber failed'));
  const bodyLimit = Math.round(server.body_limit_mb * 1024 * 1024);
  const adapter = new FastifyAdapter({
    bodyLimit,
    genReqId: () => randomUUID(),
    // Node's requestTimeout bounds receiving the request (headers and body), not the answer: long streams are
    // unaffected. Headers must come first, so their limit is the smaller; expired sockets are swept every second.
    requestTimeout: server.body_timeout_s * 1000,
    keepAliveTimeout: server.keep_alive_timeout_s * 1000,
    http: {
      headersTimeout: Math.min(server.headers_timeout_s, server.body_timeout_s) * 1000,
      connectionsCheckingInterval: 1000,
    },
  } as ConstructorParameters<typeof FastifyAdapter>[0]);
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot({ config: loaded, bus, logger, imports: options.imports, metrics: options.metrics }),
    adapter,
    {
      logger: new NestPinoLogger(logger),
    },
  );
  useJsonBodyParser(app, bodyLimit);
  app.useGlobalFilters(new ApiExceptionFilter(logger, server.body_limit_mb));
  countHttpRequests(app.getHttpAdapter().getInstance(), app.get(GatewayMetricsService).httpRequests);
  // No enableShutdownHooks(): Nest would re-raise SIGTERM before our stop() flushes buffered call records;
  // the CLI traps the signals and calls stop(), which closes the app (running its hooks) first.
  if (!loaded.config.auth) {
    logger.warn(
      'auth is not configured: the gateway is open to anyone who can reach it (development only). Add an `auth:` block to lessllm.yaml.',
    );
  } else if (loaded.config.auth.keys.length === 0 && !loaded.config.auth.bring_your_own_key) {
    logger.warn(
      'auth.keys is empty: the model routes are open to anyone who can reach the gateway. Add caller keys under auth.keys.',
    );
  }
  const port = options.port ?? server.port;
  const host = options.host ?? server.host;
  refuseWebSocketUpgrades(app.getHttpServer());
  await app.listen(port, host);
  const address = app.getHttpServer().address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  logger.info(
    { port: boundPort, source: loaded.source, providers: Object.keys(loaded.config.providers) },
    'gateway listening',
  );
  return {
    url: `http://${shownHost}:${boundPort}`,
    port: boundPort,
    bus,
    app,
    stop: async () => {
      await drainCalls(app, server, logger);
      await app.close();
    },
  };
}
