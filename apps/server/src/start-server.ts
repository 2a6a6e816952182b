import { AnalyticsModule, createDefaultEnricher, EmbeddedIngestor, IngestService } from '@lessllm/analyzer';
import { startGateway, type RunningGateway } from '@lessllm/gateway';
import { JetStreamCallEventBus } from '@lessllm/messaging';
import type { AppLogger, CallEventBus, CallStore, LoadedConfig } from '@lessllm/shared';
import { createLogger, createMetricsRegistry, InProcessEventBus, loadConfig } from '@lessllm/shared';
import { createCallStore } from '@lessllm/store';
import { join } from 'node:path';

export interface StartServerOptions {
  /** A loaded config, a path to lessllm.yaml, or nothing (environment variables alone). */
  config?: LoadedConfig | string;
  port?: number;
  host?: string;
  logger?: AppLogger;
  /** 'server' = all-in-one (embedded analyzer when no NATS URL); 'gateway' = the gateway service alone. */
  role?: 'server' | 'gateway';
}

export interface RunningServer extends RunningGateway {
  config: LoadedConfig;
  /** The call store the analytics API reads (null for a gateway without a ClickHouse server). */
  store: CallStore | null;
  /** Embedded analyzer (all-in-one mode without NATS), else null. */
  ingestor: EmbeddedIngestor | null;
  /** Waits until every call so far is in the store (embedded mode), for tests and scripts. */
  flush(): Promise<void>;
}

async function connectBus(loaded: LoadedConfig, logger: AppLogger): Promise<CallEventBus> {
  const { nats_url, buffer_limit, stream_replicas } = loaded.config.events;
  if (!nats_url) return new InProcessEventBus((err) => logger.error({ err }, 'call event subscriber failed'));
  return JetStreamCallEventBus.connect({
    servers: nats_url,
    logger,
    bufferLimit: buffer_limit,
    stream: { replicas: stream_replicas },
    name: 'lessllm-gateway',
  });
}

/**
 * The composition root. `lessllm server`: gateway + analytics API + (without NATS) the analyzer in-process on the
 * embedded chDB engine or a ClickHouse server. `lessllm gateway`: the gateway, events to NATS, analytics only when a
 * ClickHouse server is configured (the embedded engine stays out of service processes).
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const loaded = typeof options.config === 'object' ? options.config : loadConfig(options.config);
  const logger = options.logger ?? createLogger(options.role ?? 'server', loaded.config.server.log_level);
  const role = options.role ?? 'server';
  const { storage, events, analyzer } = loaded.config;

  const bus = await connectBus(loaded, logger);
  const wantsStore = role === 'server' || Boolean(storage.clickhouse_url);
  const store = wantsStore ? await createCallStore(storage) : null;
  let ingestor: EmbeddedIngestor | null = null;
  let enricher: ReturnType<typeof createDefaultEnricher> | null = null;
  // One registry for /metrics: the gateway's series and the embedded recorder's.
  const metrics = createMetricsRegistry('gateway');
  try {
    if (store) await store.migrate();
    if (store && role === 'server' && !events.nats_url) {
      enricher = createDefaultEnricher(loaded, logger);
      const ingest = new IngestService(enricher, store);
      const { spool } = analyzer;
      ingestor = await EmbeddedIngestor.open(ingest, {
        batchSize: analyzer.batch_size,
        maxWaitMs: analyzer.batch_max_wait_ms,
        logger,
        // Between the in-process bus and the store: what a kill -9 would take from memory is on disk.
        spool: spool.enabled
          ? {
              dir: spool.dir ?? join(storage.data_dir, 'spool'),
              fsyncIntervalMs: spool.fsync_interval_ms,
              fsyncBytes: spool.fsync_kb * 1024,
              segmentBytes: Math.round(spool.segment_mb * 1024 * 1024),
              maxBytes: Math.round(spool.max_mb * 1024 * 1024),
            }
          : undefined,
      });
      ingestor.registerMetrics(metrics);
    } else if (!events.nats_url) {
      logger.warn(
        'no events.nats_url: call events stay in this process and are not recorded (run `lessllm server` for all-in-one)',
      );
    }
    const gateway = await startGateway({
      config: loaded,
      port: options.port,
      host: options.host,
      // The recorder takes each event in the callback that answered the call (see EmbeddedIngestor.intercept).
      bus: ingestor ? ingestor.intercept(bus) : bus,
      logger,
      metrics,
      imports: store ? [AnalyticsModule.forStore(loaded, store)] : [],
    });
    return {
      ...gateway,
      config: loaded,
      store,
      ingestor,
      flush: async () => {
        await new Promise((resolve) => setImmediate(resolve)); // events are handed over on the next tick
        await ingestor?.flush();
      },
      stop: async () => {
        await gateway.stop();
        await ingestor?.close();
        await enricher?.close?.();
        await bus.close();
        await store?.close();
      },
    };
  } catch (err) {
    await ingestor?.close().catch(() => undefined); // releases the spool's lock
    await bus.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    throw err;
  }
}
