import { JetStreamCallConsumer } from '@lessllm/messaging';
import { ChdbCallStore } from '@lessllm/store';
import * as chdb from 'chdb';
import { IngestService } from '../apps/analyzer/src/ingest/ingest.service';
import { runAnalyzer } from '../apps/cli/src/commands/serve';

/**
 * Child-process entry: `lessllm analyzer` (the same runAnalyzer the CLI's `analyzer` command calls), plus
 *  - exit when stdin closes (the benchmark went away), like the benchmark's other children;
 *  - wall-clock stage timers around the ingest pipeline, printed as `STAGES {json}` on SIGUSR2. The consumer runs
 *    one batch at a time (fetch, decode, enrich, store, ack), so the stage times add up to the ingest time. Each
 *    timer costs two performance.now() calls per batch (1,000 events).
 * Usage: node analyzer-process.js --port P --host H --config FILE
 */

export interface StageTime {
  ms: number;
  calls: number;
}

export interface AnalyzerStages {
  /** JetStreamCallConsumer: pulls that returned messages (up to batch_size each; waiting for NATS included). */
  fetch: StageTime;
  /** JetStreamCallConsumer: decode (UTF-8 + JSON.parse), the handler, acks. */
  process: StageTime;
  /** IngestService.ingest: enrichment of the batch, then insertCalls. */
  ingest: StageTime;
  /** ChdbCallStore.insertCalls: id lookup, JSON lines, chDB insert (its writes queue included). */
  insertCalls: StageTime;
  /** chDB Session.queryBindAsync: the already-stored-ids lookup of insertCalls. */
  lookup: StageTime;
  /** chDB Session.insert: the INSERT itself (runs on a libuv thread). */
  chdbInsert: StageTime;
}

export interface AnalyzerReport {
  stages: AnalyzerStages;
  /** Epoch ms: start of the first fetch that returned messages, end of the last batch processed. */
  firstBatchFetchStartedAt: number | null;
  lastBatchDoneAt: number | null;
  /** The same two moments on the monotonic clock in µs (process.hrtime), the clock of V8 CPU profiles. */
  firstBatchMonoUs: number | null;
  lastBatchMonoUs: number | null;
  batches: number;
  events: number;
  inserted: number;
  duplicates: number;
  consumer: { processed: number; deadLettered: number; redelivered: number; failedBatches: number } | null;
}

const stage = (): StageTime => ({ ms: 0, calls: 0 });
const stages: AnalyzerStages = {
  fetch: stage(),
  process: stage(),
  ingest: stage(),
  insertCalls: stage(),
  lookup: stage(),
  chdbInsert: stage(),
};
const report: AnalyzerReport = {
  stages,
  firstBatchFetchStartedAt: null,
  lastBatchDoneAt: null,
  firstBatchMonoUs: null,
  lastBatchMonoUs: null,
  batches: 0,
  events: 0,
  inserted: 0,
  duplicates: 0,
  consumer: null,
};
let consumer: JetStreamCallConsumer | null = null;
const epochMs = (): number => performance.timeOrigin + performance.now();
const monoUs = (): number => Number(process.hrtime.bigint() / 1000n);

type AsyncMethod = (this: unknown, ...args: unknown[]) => Promise<unknown>;

/**
 * Wraps an async prototype method with a timer; `after` can veto counting the call by returning false. Returns false
 * when the method is not there (renamed: its stage shows 0).
 */
function timeMethod(
  proto: object,
  name: string,
  into: StageTime,
  after?: (result: unknown, args: unknown[], startedAt: { epochMs: number; monoUs: number }) => boolean | void,
): boolean {
  const target = proto as Record<string, unknown>;
  const original = target[name];
  if (typeof original !== 'function') return false;
  target[name] = async function timed(this: unknown, ...args: unknown[]): Promise<unknown> {
    const startedAt = { epochMs: epochMs(), monoUs: monoUs() };
    const t0 = performance.now();
    const result = await (original as AsyncMethod).apply(this, args);
    const ms = performance.now() - t0;
    if (after?.(result, args, startedAt) !== false) {
      into.ms += ms;
      into.calls++;
    }
    return result;
  };
  return true;
}

function instrument(): void {
  const consumerProto = JetStreamCallConsumer.prototype;
  // Pulls that came back empty (waiting out their expiry once the stream is drained) are not ingest time.
  timeMethod(consumerProto, 'fetch', stages.fetch, (result, _args, startedAt) => {
    const msgs = (result as { msgs?: unknown[] } | undefined)?.msgs;
    if (!msgs?.length) return false;
    report.firstBatchFetchStartedAt ??= startedAt.epochMs;
    report.firstBatchMonoUs ??= startedAt.monoUs;
  });
  timeMethod(consumerProto, 'process', stages.process, () => {
    report.lastBatchDoneAt = epochMs();
    report.lastBatchMonoUs = monoUs();
  });
  timeMethod(IngestService.prototype, 'ingest', stages.ingest, (result, args) => {
    const r = result as { inserted: number; duplicates: number };
    report.batches++;
    report.events += (args[0] as unknown[]).length;
    report.inserted += r.inserted;
    report.duplicates += r.duplicates;
  });
  timeMethod(ChdbCallStore.prototype, 'insertCalls', stages.insertCalls);
  timeMethod(chdb.Session.prototype, 'queryBindAsync', stages.lookup);
  timeMethod(chdb.Session.prototype, 'insert', stages.chdbInsert);
  const start = JetStreamCallConsumer.start.bind(JetStreamCallConsumer);
  JetStreamCallConsumer.start = async (opts) => (consumer = await start(opts));
}

async function main(): Promise<void> {
  // Only the benchmark's config file counts: no LESSLLM_NATS_URL, LESSLLM_DATA_DIR, ... pointing elsewhere.
  for (const key of Object.keys(process.env)) if (key.startsWith('LESSLLM_')) delete process.env[key];
  instrument();
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  let running = false;
  process.stdin
    .once('end', () => {
      // runAnalyzer stops on SIGTERM (consumer, HTTP, store), then exits; before it is up there is nothing to stop.
      if (!running) process.exit(0);
      process.kill(process.pid, 'SIGTERM');
      setTimeout(() => process.exit(1), 10_000).unref();
    })
    .resume();
  process.on('SIGUSR2', () => {
    const stats = consumer?.stats();
    report.consumer = stats
      ? {
          processed: stats.processed,
          deadLettered: stats.deadLettered,
          redelivered: stats.redelivered,
          failedBatches: stats.failedBatches,
        }
      : null;
    process.stdout.write(`STAGES ${JSON.stringify(report)}\n`);
  });
  await runAnalyzer({ port: Number(option('--port') ?? 0), host: option('--host'), config: option('--config') });
  running = true;
}

main().catch((err: unknown) => {
  process.stderr.write(`analyzer process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
