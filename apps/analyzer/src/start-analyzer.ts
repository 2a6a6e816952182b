import { ApiExceptionFilter, NestPinoLogger } from '@lessllm/http';
import { JetStreamCallConsumer } from '@lessllm/messaging';
import type { AppLogger, CallStore, LoadedConfig } from '@lessllm/shared';
import { ConfigError, createLogger, createMetricsRegistry, loadConfig } from '@lessllm/shared';
import { createCallStore } from '@lessllm/store';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import 'reflect-metadata';
import { AnalyzerModule } from './analyzer.module';
import { createDefaultEnricher } from './ingest/default-enricher';
import { IngestService } from './ingest/ingest.service';
import { AnalyzerMetrics } from './observability/analyzer-metrics';

class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

export interface StartAnalyzerOptions {
  config?: LoadedConfig | string;
  port?: number;
  host?: string;
  logger?: AppLogger;
  durable?: string;
}

export interface RunningAnalyzer {
  url: string;
  store: CallStore;
  consumer: JetStreamCallConsumer;
  stop(): Promise<void>;
}

/** `lessllm analyzer`: JetStream consumer → enrichment → ClickHouse, plus the analytics API over HTTP. */
export async function startAnalyzer(options: StartAnalyzerOptions = {}): Promise<RunningAnalyzer> {
  const loaded = typeof options.config === 'object' ? options.config : loadConfig(options.config);
  const { events, storage, analyzer, server } = loaded.config;
  if (!events.nats_url) {
    throw new ConfigError([
      'events.nats_url: required by the analyzer service (in embedded mode `lessllm server` runs the analyzer in-process)',
    ]);
  }
  const logger = options.logger ?? createLogger('analyzer', server.log_level);
  const store = await createCallStore(storage);
  await store.migrate();
  const enricher = createDefaultEnricher(loaded, logger);
  const ingest = new IngestService(enricher, store);
  const registry = createMetricsRegistry('analyzer');
  const metrics = new AnalyzerMetrics(registry);
  const consumer = await JetStreamCallConsumer.start({
    servers: events.nats_url,
    logger,
    durable: options.durable ?? 'analyzer',
    stream: { replicas: events.stream_replicas },
    batchSize: analyzer.batch_size,
    maxWaitMs: analyzer.batch_max_wait_ms,
    ackWaitMs: analyzer.ack_wait_ms,
    handler: async (batch) => {
      // A redelivered event may have been written in part by the attempt that crashed: the store heals its rollup.
      const redelivered = batch.filter((item) => item.deliveryCount > 1).map((item) => item.event.request_id);
      const events = batch.map((item) => item.event);
      try {
        await metrics.observeBatch(batch.length, () => ingest.ingest(events, { redelivered }));
      } catch (err) {
        // ClickHouse down is not the events' fault: retry them for as long as it takes, never dead-letter them.
        if (!(await store.ping().catch(() => false))) throw new StoreUnavailableError((err as Error).message);
        throw err;
      }
    },
    isRetryable: (err) => err instanceof StoreUnavailableError,
  });
  metrics.watchConsumer(consumer);
  metrics.watchRollup(store);
  const app = await NestFactory.create<NestFastifyApplication>(
    AnalyzerModule.forRoot(loaded, store, registry, consumer),
    new FastifyAdapter({ genReqId: () => randomUUID() }),
    {
      logger: new NestPinoLogger(logger),
    },
  );
  app.useGlobalFilters(new ApiExceptionFilter(logger, server.body_limit_mb));
  await app.listen(options.port ?? 8001, options.host ?? server.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8001);
  logger.info({ port, store: store.kind }, 'analyzer listening');
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    consumer,
    stop: async () => {
      await consumer.stop();
      await app.close();
      await enricher.close?.();
      await store.close();
    },
  };
}
