import { CALLS_STREAM, JetStreamCallEventBus } from '@lessllm/messaging';
import { connect } from 'nats';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep, setImmediate as yieldToLoop } from 'node:timers/promises';
import pino from 'pino';
import { request } from 'undici';
import type { AnalyzerReport } from './analyzer-process';
import { makeCallEvent } from './call-events';
import { CpuMeter } from './cpu-meter';
import { type ProfileSummary, summariseCpuProfile } from './cpu-profile';
import { type Child, rssMb, spawnNode } from './processes';
import { SETTINGS } from './settings';
import { round, summarise } from './stats';

const ADMIN_KEY = 'bench-admin-key';
const READY_JSON = /^READY (\{.*\})$/m;
const ANALYZER_READY = /LessLLM analyzer on (http:\/\/[\d.]+:\d+)/;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

export interface PublishResult {
  events: number;
  seconds: number;
  eventsPerSec: number;
  /** What JetStream holds afterwards. */
  streamMessages: number;
  streamMb: number;
  avgEventBytes: number;
}

/** Milliseconds per 1,000 events, per stage of the analyzer's batch loop (wall clock, from its stage timers). */
export interface StageBreakdown {
  batches: number;
  /** Pulls from JetStream, waiting for the messages included. */
  fetch: number;
  /** UTF-8 + JSON.parse of the messages, acks. */
  decodeAck: number;
  /** CallEvent to api_calls row: tokenizer, cache prediction, cost, JSON.stringify of request/response. */
  enrich: number;
  /** insertCalls: already-stored-ids lookup + JSON lines + chDB INSERT. */
  store: number;
  lookup: number;
  chdbInsert: number;
  /** The analyzer's own timeline, first pull to last ack, per 1,000 events (the stages plus loop overhead). */
  total: number;
}

export interface DrainRun {
  events: number;
  /** Spawn to the ready line (chDB load, migrations, NATS connect, HTTP). */
  startupSeconds: number;
  /** Rows already stored when the first poll after the ready line answered (the consumer starts before HTTP). */
  rowsAtReady: number;
  /** Last count seen (= events when complete). */
  rows: number;
  complete: boolean;
  /** Ready line to the poll that saw every row. */
  drainSeconds: number;
  /** (rows - rowsAtReady) / drainSeconds. */
  eventsPerSec: number;
  /** events / (last batch acked - first batch pulled), on the analyzer's clock. */
  analyzerEventsPerSec: number;
  /** `SELECT count(), uniqExact(request_id) FROM api_calls` once drained. */
  storedRows: number;
  distinctIds: number;
  exactlyOnce: boolean;
  consumer: AnalyzerReport['consumer'];
  rssReadyMb: number;
  /** Median RSS while the first half of the rows arrived (first row on), and while the second half did: bounded = flat. */
  rssFirstHalfMb: number;
  rssSecondHalfMb: number;
  rssEndMb: number;
  rssPeakMb: number;
  /** Average cores over the drain (all threads). */
  analyzerCores: number;
  natsCores: number;
  stages: StageBreakdown | null;
  samples: Array<{ s: number; rssMb: number; rows: number }>;
}

export interface IngestResult {
  publish?: PublishResult;
  run?: DrainRun;
  /** Present when the target was missed (or BENCH_INGEST_PROFILE=1). */
  profile?: { events: number; eventsPerSec: number; stages: StageBreakdown | null; cpu: ProfileSummary | null };
  profileError?: string;
  /** Average cores used by processes other than the benchmark's during the drain. */
  foreignCores: number;
  /** Start failures, lost publishes, duplicate rows, dead-lettered events. A slow drain is a MISS, not an error. */
  errors: number;
  firstError?: string;
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return Number.NaN;
  }
}

interface Published {
  /** Acknowledged by JetStream; fewer than asked when publishTimeoutMs ran out first (a slow or busy machine). */
  published: number;
  dropped: number;
  seconds: number;
}

/**
 * Publishes up to `count` events with JetStreamCallEventBus (msgID = request_id), never letting its buffer overflow;
 * stops producing at publishTimeoutMs and then gives what is buffered a few more seconds to be acknowledged.
 */
async function publish(url: string, count: number, firstIndex: number): Promise<Published> {
  const s = SETTINGS.ingest;
  const bus = await JetStreamCallEventBus.connect({
    servers: url,
    logger: pino({ level: 'warn' }, pino.destination(2)),
    bufferLimit: s.publishBuffer,
    maxInFlight: s.publishInFlight,
    name: 'lessllm-bench',
  });
  const started = performance.now();
  const deadline = started + s.publishTimeoutMs;
  // Call times spread over the minutes before now, 5 ms apart, like a busy gateway's backlog.
  const baseMs = Date.now() - (firstIndex + count) * 5;
  try {
    let next = 0;
    while (next < count && performance.now() < deadline) {
      const room = s.publishBuffer - bus.stats().buffered;
      if (room < 500) {
        await sleep(2);
        continue;
      }
      for (const end = Math.min(count, next + room, next + 2_000); next < end; next++) {
        bus.publish(makeCallEvent(firstIndex + next, baseMs + (firstIndex + next) * 5));
      }
      await yieldToLoop();
    }
    const flushDeadline = Math.max(deadline, performance.now()) + 10_000;
    while (bus.stats().buffered > 0 && performance.now() < flushDeadline) await sleep(5);
    const stats = bus.stats();
    return { published: stats.published, dropped: stats.dropped, seconds: (performance.now() - started) / 1000 };
  } finally {
    await bus.close();
  }
}

async function streamState(url: string): Promise<{ messages: number; bytes: number }> {
  const nc = await connect({ servers: url, name: 'lessllm-bench-admin' });
  try {
    const info = await (await nc.jetstreamManager()).streams.info(CALLS_STREAM);
    return { messages: info.state.messages, bytes: info.state.bytes };
  } finally {
    await nc.close();
  }
}

async function query(origin: string, sql: string): Promise<Record<string, unknown>> {
  const res = await request(`${origin}/v1/analytics/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ sql }),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`analytics query: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  const rows = (JSON.parse(text) as { rows: Array<Record<string, unknown>> }).rows;
  if (!rows[0]) throw new Error(`analytics query: no row: ${text.slice(0, 300)}`);
  return rows[0];
}

/** Asks the analyzer process for its stage timers (SIGUSR2 → a `STAGES {json}` line on its stdout). */
async function analyzerReport(child: Child): Promise<AnalyzerReport | null> {
  const before = child
    .output()
    .split('\n')
    .filter((l) => l.startsWith('STAGES ')).length;
  process.kill(child.pid, 'SIGUSR2');
  const deadline = performance.now() + 3_000;
  while (performance.now() < deadline) {
    const lines = child.output().split('\n');
    const reports = lines.filter((l) => l.startsWith('STAGES '));
    // The tail keeps 40 lines: a new report is there when the count grew or it is the last line.
    const last = reports.at(-1);
    if (last && (reports.length > before || lines.at(-1) === last)) {
      return JSON.parse(last.slice('STAGES '.length)) as AnalyzerReport;
    }
    await sleep(20);
  }
  return null;
}

function breakdown(r: AnalyzerReport | null): StageBreakdown | null {
  if (!r || r.events === 0 || r.firstBatchFetchStartedAt === null || r.lastBatchDoneAt === null) return null;
  const per1k = (ms: number): number => round((ms * 1000) / r.events, 1);
  const s = r.stages;
  return {
    batches: r.batches,
    fetch: per1k(s.fetch.ms),
    decodeAck: per1k(s.process.ms - s.ingest.ms),
    enrich: per1k(s.ingest.ms - s.insertCalls.ms),
    store: per1k(s.insertCalls.ms),
    lookup: per1k(s.lookup.ms),
    chdbInsert: per1k(s.chdbInsert.ms),
    total: per1k(r.lastBatchDoneAt - r.firstBatchFetchStartedAt),
  };
}

interface DrainOptions {
  natsUrl: string;
  natsPids: number[];
  benchPids: number[];
  dir: string;
  name: string;
  events: number;
  timeoutMs: number;
  cpuProfDir?: string;
}

/** Starts an analyzer on a fresh chDB dir, waits until it stored `events` rows, stops it. */
async function drain(o: DrainOptions): Promise<{ run: DrainRun; report: AnalyzerReport | null; foreignCores: number }> {
  const s = SETTINGS.ingest;
  const config = path.join(o.dir, `${o.name}.yaml`);
  writeFileSync(
    config,
    JSON.stringify({
      server: { log_level: 'warn', host: '127.0.0.1' },
      events: { nats_url: o.natsUrl },
      storage: { data_dir: path.join(o.dir, `${o.name}-chdb`) },
      analyzer: { batch_size: s.batchSize, batch_max_wait_ms: s.batchMaxWaitMs },
      auth: { admin_key: ADMIN_KEY },
    }),
  );
  const spawned = performance.now();
  const analyzer = await spawnNode({
    name: `analyzer (${o.name})`,
    args: [path.join(__dirname, 'analyzer-process.js'), '--port', '0', '--host', '127.0.0.1', '--config', config],
    nodeFlags: o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [],
    readyLine: ANALYZER_READY,
    timeoutMs: 60_000,
  });
  try {
    const ready = performance.now();
    const origin = analyzer.ready[1];
    const meter = new CpuMeter([...o.benchPids, ...o.natsPids, analyzer.pid]);
    const cpuStart = meter.snapshot();
    const ticksStart = { analyzer: processTicks(analyzer.pid), nats: processTicks(o.natsPids[1]) };
    const samples: DrainRun['samples'] = [];
    let rows = 0;
    const sample = (): void =>
      void samples.push({
        s: round((performance.now() - ready) / 1000, 1),
        rssMb: round(rssMb(analyzer.pid), 1),
        rows,
      });
    sample();
    const sampler = setInterval(sample, s.sampleEveryMs);
    let rowsAtReady = -1;
    let done = ready;
    let lastError: unknown;
    try {
      const deadline = ready + o.timeoutMs;
      while (rows < o.events && performance.now() < deadline) {
        try {
          rows = Number((await query(origin, 'SELECT count() AS n FROM api_calls')).n);
          if (rowsAtReady < 0) rowsAtReady = rows;
          done = performance.now();
          lastError = undefined;
        } catch (err) {
          lastError = err;
        }
        if (rows < o.events) await sleep(s.pollEveryMs);
      }
    } finally {
      clearInterval(sampler);
    }
    sample();
    if (rowsAtReady < 0) throw lastError instanceof Error ? lastError : new Error('no row count from the analyzer');
    const seconds = (done - ready) / 1000;
    const ticksEnd = { analyzer: processTicks(analyzer.pid), nats: processTicks(o.natsPids[1]) };
    const foreignCores = meter.foreignCores(cpuStart);
    const cores = (a: number, b: number): number => round((b - a) / 100 / seconds, 2);
    const check = await query(origin, 'SELECT count() AS n, uniqExact(request_id) AS ids FROM api_calls');
    const report = await analyzerReport(analyzer);
    const analyzerSeconds =
      report?.firstBatchFetchStartedAt != null && report.lastBatchDoneAt != null
        ? (report.lastBatchDoneAt - report.firstBatchFetchStartedAt) / 1000
        : Number.NaN;
    const storedRows = Number(check.n);
    const distinctIds = Number(check.ids);
    const median = (list: typeof samples): number => summarise(list.map((x) => x.rssMb)).p50;
    return {
      report,
      foreignCores,
      run: {
        events: o.events,
        startupSeconds: round((ready - spawned) / 1000, 2),
        rowsAtReady,
        rows,
        complete: rows >= o.events,
        drainSeconds: round(seconds, 2),
        eventsPerSec: round((rows - rowsAtReady) / seconds, 0),
        analyzerEventsPerSec: round((report?.events ?? Number.NaN) / analyzerSeconds, 0),
        storedRows,
        distinctIds,
        exactlyOnce: storedRows === o.events && distinctIds === o.events,
        consumer: report?.consumer ?? null,
        rssReadyMb: samples[0].rssMb,
        rssFirstHalfMb: median(samples.filter((x) => x.rows > 0 && x.rows < o.events / 2)),
        rssSecondHalfMb: median(samples.filter((x) => x.rows >= o.events / 2)),
        rssEndMb: samples.at(-1)!.rssMb,
        rssPeakMb: Math.max(...samples.map((x) => x.rssMb)),
        analyzerCores: cores(ticksStart.analyzer, ticksEnd.analyzer),
        natsCores: cores(ticksStart.nats, ticksEnd.nats),
        stages: breakdown(report),
        samples,
      },
    };
  } finally {
    // Graceful (SIGTERM): the consumer finishes, chDB closes, and --cpu-prof writes its profile on exit.
    await analyzer.stop(15_000);
  }
}

function wantProfile(eventsPerSec: number): boolean {
  const env = process.env.BENCH_INGEST_PROFILE;
  if (env === '0') return false;
  return env === '1' || !(eventsPerSec >= SETTINGS.targets.ingestEventsPerSec);
}

/**
 * 5: analyzer ingest. A private nats-server with JetStream; SETTINGS.ingest.events CallEvents published first (so the
 * publisher is not what is measured); then one analyzer replica (`lessllm analyzer`, embedded chDB) drains them
 * while its row count is polled through the analytics API and its RSS sampled. On a miss, a second, CPU-profiled
 * drain of fresh events says where the main thread's time goes.
 */
export async function ingestPhase(benchPids: number[]): Promise<IngestResult> {
  const s = SETTINGS.ingest;
  const result: IngestResult = { foreignCores: 0, errors: 0 };
  const fail = (message: string): void => {
    result.errors++;
    result.firstError ??= message;
    log(`  ingest: ${message}`);
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'lessllm-bench-ingest-'));
  let nats: Child | undefined;
  try {
    nats = await spawnNode({
      name: 'nats-server',
      args: [path.join(__dirname, 'nats-server-process.js')],
      readyLine: READY_JSON,
    });
    const { url, pid } = JSON.parse(nats.ready[1]) as { url: string; pid: number };
    const natsPids = [nats.pid, pid];

    log(`  ingest: publishing ${s.events} events to JetStream at ${url}`);
    const published = await publish(url, s.events, 0);
    const state = await streamState(url);
    // Normally all of them; on a machine too busy to publish them in time, the drain measures those that made it.
    const events = state.messages;
    result.publish = {
      events,
      seconds: round(published.seconds, 2),
      eventsPerSec: round(published.published / published.seconds, 0),
      streamMessages: state.messages,
      streamMb: round(state.bytes / 1024 / 1024, 1),
      avgEventBytes: round(state.bytes / Math.max(1, state.messages), 0),
    };
    log(
      `  ingest: published in ${published.seconds.toFixed(1)} s (${result.publish.eventsPerSec} events/s), stream ${result.publish.streamMb} MB`,
    );
    if (published.dropped > 0 || state.messages !== published.published || events < Math.min(s.events, 10_000)) {
      fail(
        `publishing: ${state.messages} events in the stream, ${published.published} acknowledged, ${published.dropped} dropped`,
      );
      return result;
    }
    if (events < s.events) log(`  ingest: only ${events} of ${s.events} events published in time; measuring those`);

    log(`  ingest: starting the analyzer, draining ${events} events`);
    const main = await drain({
      natsUrl: url,
      natsPids,
      benchPids,
      dir,
      name: 'main',
      events,
      timeoutMs: s.drainTimeoutMs,
    });
    const run = main.run;
    result.run = run;
    result.foreignCores = main.foreignCores;
    log(
      `  ingest: ${run.rows}/${run.events} rows in ${run.drainSeconds} s after ready: ${run.eventsPerSec} events/s` +
        ` (analyzer timeline ${run.analyzerEventsPerSec}), RSS peak ${run.rssPeakMb} MB`,
    );
    if (run.complete && !run.exactlyOnce)
      fail(`${run.storedRows} rows, ${run.distinctIds} distinct request_ids for ${run.events} events`);
    if (run.consumer && run.consumer.deadLettered > 0) fail(`${run.consumer.deadLettered} events dead-lettered`);

    if (wantProfile(run.eventsPerSec)) {
      try {
        const rate = Number.isFinite(run.eventsPerSec) && run.eventsPerSec > 0 ? run.eventsPerSec : 1_000;
        const count = Math.round(Math.min(20_000, Math.max(2_000, rate * s.profileSeconds)) / 1000) * 1000;
        log(`  ingest: CPU-profiling a second analyzer on ${count} more events`);
        const more = await publish(url, count, events);
        if (more.published !== count) throw new Error(`published ${more.published} of ${count} profile events`);
        const profDir = path.join(dir, 'cpu-prof');
        mkdirSync(profDir);
        const profiled = await drain({
          natsUrl: url,
          natsPids,
          benchPids,
          dir,
          name: 'profile',
          events: count,
          timeoutMs: Math.min(60_000, s.drainTimeoutMs),
          cpuProfDir: profDir,
        });
        const r = profiled.report;
        const window =
          r?.firstBatchMonoUs != null && r.lastBatchMonoUs != null
            ? { fromUs: r.firstBatchMonoUs, toUs: r.lastBatchMonoUs }
            : undefined;
        result.profile = {
          events: count,
          eventsPerSec: profiled.run.eventsPerSec,
          stages: profiled.run.stages,
          cpu: summariseCpuProfile(profDir, window),
        };
      } catch (err) {
        result.profileError = err instanceof Error ? err.message.split('\n')[0] : String(err);
        log(`  ingest: profile run failed: ${result.profileError}`);
      }
    }
  } catch (err) {
    fail(err instanceof Error ? err.message.split('\n').slice(0, 6).join(' | ') : String(err));
  } finally {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}
