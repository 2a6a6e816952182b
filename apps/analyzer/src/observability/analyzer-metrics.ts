import type { JetStreamCallConsumer } from '@lessllm/messaging';
import { cumulativeCounter, type RollupMaintenance } from '@lessllm/shared';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The analyzer's Prometheus metrics: consumer lag and outcomes, batch sizes, insert latency and failures. */
export class AnalyzerMetrics {
  private readonly batchSize: Histogram;
  private readonly insertDuration: Histogram;
  private readonly insertFailures: Counter;

  constructor(private readonly registry: Registry) {
    const registers = [registry];
    this.batchSize = new Histogram({
      name: 'lessllm_analyzer_batch_size',
      help: 'CallEvents per batch written to ClickHouse.',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000],
      registers,
    });
    this.insertDuration = new Histogram({
      name: 'lessllm_analyzer_insert_duration_seconds',
      help: 'Time to enrich and insert one batch (until ClickHouse has the rows).',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.insertFailures = new Counter({
      name: 'lessllm_analyzer_insert_failures_total',
      help: 'Batches whose enrichment or insert failed (they are retried; nothing is acked before it succeeds).',
      registers,
    });
  }

  /** Times one batch through `write`, counting a failure when it throws. */
  async observeBatch<T>(size: number, write: () => Promise<T>): Promise<T> {
    this.batchSize.observe(size);
    const end = this.insertDuration.startTimer();
    try {
      const result = await write();
      end();
      return result;
    } catch (err) {
      this.insertFailures.inc();
      throw err;
    }
  }

  /** Rollup heals (recomputed hours after a crash's redelivery), read from the store at scrape time. */
  watchRollup(store: RollupMaintenance): void {
    cumulativeCounter(
      this.registry,
      'lessllm_analyzer_rollup_heals_total',
      'Batches with already-stored or redelivered rows, whose hours of api_calls_hourly were recomputed.',
      [],
      () => [[{}, store.rollupStats().heals]],
    );
    cumulativeCounter(
      this.registry,
      'lessllm_analyzer_rollup_hours_recomputed_total',
      'Hours of api_calls_hourly recomputed from api_calls (heals and their retries).',
      [],
      () => [[{}, store.rollupStats().hoursRecomputed]],
    );
    cumulativeCounter(
      this.registry,
      'lessllm_analyzer_rollup_unsettled_hours_total',
      'Hours still drifting after a heal gave up (another writer kept changing them): run lessllm doctor --repair.',
      [],
      () => [[{}, store.rollupStats().unsettledHours]],
    );
  }

  /** Consumer series, read from the consumer at scrape time. */
  watchConsumer(consumer: JetStreamCallConsumer): void {
    cumulativeCounter(
      this.registry,
      'lessllm_analyzer_events_total',
      'CallEvents by outcome: processed (stored and acked), dead_lettered, redelivered.',
      ['outcome'],
      () => {
        const s = consumer.stats();
        return [
          [{ outcome: 'processed' }, s.processed],
          [{ outcome: 'dead_lettered' }, s.deadLettered],
          [{ outcome: 'redelivered' }, s.redelivered],
        ];
      },
    );
    new Gauge({
      name: 'lessllm_analyzer_consumer_pending',
      help: 'CallEvents in JetStream not yet acknowledged by the analyzers (the consumer lag); -1 while disconnected.',
      registers: [this.registry],
      async collect() {
        this.set((await consumer.pending().catch(() => null)) ?? -1);
      },
    });
  }
}
