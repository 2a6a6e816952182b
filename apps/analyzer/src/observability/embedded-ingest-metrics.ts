import { cumulativeCounter } from '@lessllm/shared';
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { EmbeddedIngestorStats } from '../ingest/embedded-ingestor';
import type { CallSpool } from '../ingest/spool/call-spool';

/** Seconds: a write(2) to the page cache takes microseconds; milliseconds mean a disk in trouble. */
const WRITE_BUCKETS = [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.001, 0.005, 0.025];
/** Seconds: an fdatasync comes one interval (25 ms by default) after a write, plus the device's time. */
const SYNC_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Embedded mode's recorder series, read from its counters at scrape time (nothing per event), plus the spool's
 * write and fdatasync waits (observed per write, not per event).
 */
export function registerEmbeddedIngestMetrics(
  registry: Registry,
  stats: () => EmbeddedIngestorStats,
  spool: CallSpool | null,
): void {
  const registers = [registry];
  cumulativeCounter(
    registry,
    'lessllm_embedded_ingest_events_total',
    'CallEvents of the embedded recorder by outcome: stored (in the store), replayed (stored from the spool), dropped (lost to a bound).',
    ['outcome'],
    () => {
      const s = stats();
      return [
        [{ outcome: 'stored' }, s.ingested],
        [{ outcome: 'replayed' }, s.replayed],
        [{ outcome: 'dropped' }, s.dropped],
      ];
    },
  );
  cumulativeCounter(
    registry,
    'lessllm_embedded_ingest_failed_writes_total',
    'Batches the store refused (retried with backoff; nothing leaves the queue or the spool before it is stored).',
    [],
    () => [[{}, stats().failedWrites]],
  );
  new Gauge({
    name: 'lessllm_embedded_ingest_buffered',
    help: 'CallEvents held in memory by the embedded recorder.',
    registers,
    collect() {
      this.set(stats().buffered);
    },
  });
  if (!spool) return;
  cumulativeCounter(
    registry,
    'lessllm_call_spool_events_total',
    'CallEvents by spool outcome: appended; unspooled (not serialisable, memory only); dropped_full (lost: oldest segment dropped at max_mb); discarded (lost: the disk refused writes too long); torn and corrupt (lines skipped at replay).',
    ['outcome'],
    () => {
      const s = spool.stats();
      return [
        [{ outcome: 'appended' }, s.appended],
        [{ outcome: 'unspooled' }, s.unspooled],
        [{ outcome: 'dropped_full' }, s.droppedFull],
        [{ outcome: 'discarded' }, s.discarded],
        [{ outcome: 'torn' }, s.torn],
        [{ outcome: 'corrupt' }, s.corrupt],
      ];
    },
  );
  cumulativeCounter(
    registry,
    'lessllm_call_spool_write_errors_total',
    'Spool writes or fdatasyncs the disk refused (retried).',
    [],
    () => [[{}, spool.stats().writeErrors]],
  );
  new Gauge({
    name: 'lessllm_call_spool_bytes',
    help: 'Bytes in the call spool segments (the store does not have them all yet, or the checkpoint has not passed them).',
    registers,
    collect() {
      this.set(spool.stats().bytes);
    },
  });
  new Gauge({
    name: 'lessllm_call_spool_backlog_bytes',
    help: 'Bytes in the call spool after its checkpoint: what a restart now would replay.',
    registers,
    collect() {
      this.set(spool.backlogBytes());
    },
  });
  new Gauge({
    name: 'lessllm_call_spool_max_write_seconds',
    help: 'Longest single write(2) to the spool since start (the most an append held the event loop).',
    registers,
    collect() {
      this.set(spool.stats().maxWriteMs / 1000);
    },
  });
  new Gauge({
    name: 'lessllm_call_spool_max_fsync_lag_seconds',
    help: 'Longest wait of a written event until its fdatasync since start (the worst power-cut window seen).',
    registers,
    collect() {
      this.set(spool.stats().maxSyncLagMs / 1000);
    },
  });
  const written = new Histogram({
    name: 'lessllm_call_spool_write_seconds',
    help: 'Per call event: how long its write(2) to the spool held the event loop (it is in the page cache after it: a kill -9 cannot lose it).',
    buckets: WRITE_BUCKETS,
    registers,
  });
  const synced = new Histogram({
    name: 'lessllm_call_spool_fsync_lag_seconds',
    help: 'Per spool fdatasync: how long the oldest event it covers waited since its write (what a power cut could lose).',
    buckets: SYNC_BUCKETS,
    registers,
  });
  spool.setObserver({
    written: (ms) => written.observe(ms / 1000),
    synced: (ms) => synced.observe(ms / 1000),
  });
}
