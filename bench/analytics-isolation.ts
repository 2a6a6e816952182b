import { ApiExceptionFilter } from '@lessllm/http';
import { createLogger, parseConfig } from '@lessllm/shared';
import { ChdbCallStore, collectJsonArray } from '@lessllm/store';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import 'reflect-metadata';
import { request } from 'undici';
import { AnalyticsModule } from '../apps/analyzer/src/analytics/analytics.module';
import { QueryGate } from '../apps/analyzer/src/analytics/query-gate';
import { generateCalls } from '../test/support/grafana/generated-calls';

/**
 * How much an attacker's heavy analytics queries take from ingestion, and what a big result costs the process,
 * before and after the analytics limits (issue 11, row 2). Embedded engine (chDB), one process, as
 * `lessllm server` runs it.
 *
 *   npx vite-node --config vitest.config.ts bench/analytics-isolation.ts ingest [idle|before|after]
 *   npx vite-node --config vitest.config.ts bench/analytics-isolation.ts memory before|after
 *   npx vite-node --config vitest.config.ts bench/analytics-isolation.ts api before|after
 *
 * `api` runs what the analyzer (and `lessllm server`) mounts: the analytics HTTP API (AnalyticsModule on
 * Fastify) over a ChdbCallStore in this process, ingestion writing to the same store, and reports peak RSS
 * under the groupArray query, how long each cap takes to trip and what it answers, and rows/s ingested with
 * and without heavy queries arriving over HTTP. `after` = the shipped analytics defaults; `before` = the
 * limits lifted (what the API did before issue 11, except the validator and the writer's priority).
 */

const SECONDS = Number(process.env.BENCH_SECONDS ?? 12);
const HEAVY = 'SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) % 7 = 1';
const GREEDY = 'SELECT length(groupArray(number)) AS n FROM numbers(100000000)';
const BIG = "SELECT number AS a, number * 2 AS b, toString(number) AS c, 'gpt-4o' AS m FROM numbers(1500000)";

const log = (line: string): void => void process.stdout.write(`${line}\n`);

type Scenario = 'idle' | 'before' | 'after';

/** Inserts batches of 500 rows for SECONDS while the scenario's queries run; rows/s and batch latencies. */
async function ingestUnder(store: ChdbCallStore, scenario: Scenario) {
  const template = generateCalls().slice(0, 500);
  const stop = Date.now() + SECONDS * 1000;
  const attackers: Promise<unknown>[] = [];
  // analytics.max_concurrent / max_queued / queue_timeout_s (defaults 2, 8, 10).
  const gate = new QueryGate({
    maxConcurrent: Number(process.env.BENCH_CONCURRENT ?? 2),
    maxQueued: 8,
    queueTimeoutMs: 10_000,
  });
  let refused = 0;
  const attack = async (sql: string) => {
    while (Date.now() < stop) {
      const run =
        scenario === 'before'
          ? // What the API did: engine defaults (max_threads = cores, no memory cap), any number at once.
            store.queryReadOnly(sql, { timeoutSeconds: 5, maxMemoryBytes: 64 * 1024 ** 3 })
          : gate.run(() =>
              store.queryReadOnly(sql, { timeoutSeconds: 5, maxThreads: 1, priority: 10, maxMemoryBytes: 1024 ** 3 }),
            );
      await run.catch((err: Error) => {
        if (err.name === 'GateBusyError') refused += 1;
      });
    }
  };
  // Four attackers: three CPU-bound scans and one groupArray over 100M rows.
  if (scenario !== 'idle') for (const sql of [HEAVY, HEAVY, HEAVY, GREEDY]) attackers.push(attack(sql));

  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const latencies: number[] = [];
  let rows = 0;
  let batch = 0;
  const started = performance.now();
  let peakRss = 0;
  while (Date.now() < stop) {
    const rowsNow = template.map((r) => ({ ...r, request_id: `${scenario}-${batch}-${r.request_id}` }));
    const t0 = performance.now();
    rows += await store.insertCalls(rowsNow);
    latencies.push(performance.now() - t0);
    batch += 1;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(attackers);
  lag.disable();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]);
  return {
    scenario,
    rowsPerSec: Math.round(rows / seconds),
    batchP50Ms: q(0.5),
    batchP99Ms: q(0.99),
    batchMaxMs: Math.round(latencies[latencies.length - 1]),
    loopLagP99Ms: Math.round(lag.percentile(99) / 1e6),
    peakRssMb: Math.round(peakRss / 1024 ** 2),
    refusedByGate: refused,
  };
}

async function ingest(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lessllm-bench-analytics-'));
  const store = new ChdbCallStore(dir);
  try {
    await store.migrate();
    await store.insertCalls(generateCalls());
    // One scenario per process gives a clean peak RSS: `ingest before`. Without one, all three in turn.
    const only = process.argv[3] as Scenario | undefined;
    for (const scenario of only ? [only] : (['idle', 'before', 'after'] as const))
      log(JSON.stringify(await ingestUnder(store, scenario)));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Peak RSS and heap while answering a ~90 MB result the old way (objects) and the new way (bytes). */
async function memory(mode: 'before' | 'after'): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lessllm-bench-memory-'));
  const store = new ChdbCallStore(dir);
  let peakRss = 0;
  let peakHeap = 0;
  const sample = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 5);
  try {
    await store.migrate();
    const base = process.memoryUsage();
    const limits = { maxRows: 2_000_000, maxResultBytes: 1024 ** 3, timeoutSeconds: 60 };
    const started = performance.now();
    let bytes: number;
    if (mode === 'before') {
      const rows = await store.queryReadOnly(BIG, limits); // parsed into objects, then serialised by Nest
      const body = JSON.stringify({ rows, row_count: rows.length });
      bytes = Buffer.byteLength(body);
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    } else {
      const result = await collectJsonArray(store.exportReadOnly(BIG, 'jsonl', limits), limits);
      bytes = result.bytes;
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sample);
    // The sampler cannot run during a synchronous JSON.parse/stringify: sample once more while the result is held.
    const end = process.memoryUsage();
    peakRss = Math.max(peakRss, end.rss);
    peakHeap = Math.max(peakHeap, end.heapUsed);
    log(
      JSON.stringify({
        mode,
        resultMb: Math.round(bytes / 1024 ** 2),
        seconds: Math.round(seconds * 100) / 100,
        peakRssMb: Math.round(peakRss / 1024 ** 2),
        rssGrowthMb: Math.round((peakRss - base.rss) / 1024 ** 2),
        peakHeapMb: Math.round(peakHeap / 1024 ** 2),
        heapGrowthMb: Math.round((peakHeap - base.heapUsed) / 1024 ** 2),
      }),
    );
  } finally {
    clearInterval(sample);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ADMIN_KEY = 'bench-analytics-admin';
/** A CPU-bound scan of a few seconds on one thread: the heavy query the attackers repeat. */
const SCAN = 'SELECT count() FROM numbers(400000000) WHERE sipHash64(number) % 7 = 1';
const ENDLESS = 'SELECT count() FROM numbers(1000000000000) WHERE sipHash64(number) % 7 = 1';

/** What a phase cost: peak RSS over it, sampled every 5 ms (chDB runs on its own threads, so sampling goes on). */
class RssSampler {
  private peak = 0;
  private readonly timer = setInterval(() => this.sample(), 5);
  readonly startMb = Math.round(process.memoryUsage().rss / 1024 ** 2);

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return Math.round(this.peak / 1024 ** 2);
  }
}

async function post(base: string, sql: string, maxRows?: number) {
  const t0 = performance.now();
  const res = await request(`${base}/v1/analytics/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql, ...(maxRows === undefined ? {} : { max_rows: maxRows }) }),
  });
  const text = await res.body.text();
  const seconds = Math.round((performance.now() - t0) / 10) / 100;
  let code: string | undefined;
  let message: string | undefined;
  if (res.statusCode !== 200) {
    const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    code = error?.code;
    message = error?.message?.slice(0, 160);
  }
  return { status: res.statusCode, seconds, bytes: text.length, code, message };
}

async function api(mode: 'before' | 'after'): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lessllm-bench-api-'));
  const store = new ChdbCallStore(dir);
  const lifted = {
    max_result_rows: 100_000_000,
    max_result_mb: 10_240,
    max_memory_mb: 65_536,
    max_threads: 0,
    priority: 0,
    max_concurrent: 64,
    max_queued: 64,
  };
  const loaded = parseConfig(
    { auth: { admin_key: ADMIN_KEY }, analytics: mode === 'before' ? lifted : {} },
    {},
    true,
    'bench',
  );
  const limits = loaded.config.analytics;
  let app: NestFastifyApplication | undefined;
  try {
    await store.migrate();
    await store.insertCalls(generateCalls());
    app = await NestFactory.create<NestFastifyApplication>(
      AnalyticsModule.forStore(loaded, store),
      new FastifyAdapter(),
      { logger: false },
    );
    app.useGlobalFilters(new ApiExceptionFilter(createLogger('bench', 'silent'), 1));
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    log(JSON.stringify({ mode, analytics: limits, rssMb: Math.round(process.memoryUsage().rss / 1024 ** 2) }));

    // 1. groupArray over 100M rows: the issue's 4.8 GB.
    let rss = new RssSampler();
    const greedy = await post(base, GREEDY);
    log(JSON.stringify({ phase: 'groupArray 100M', ...greedy, rssBeforeMb: rss.startMb, peakRssMb: rss.stop() }));

    // 2. The result caps, each with the request's largest max_rows.
    const caps: [string, string][] = [
      ['max_result_rows', 'SELECT number FROM numbers(1000000000)'],
      ['max_result_mb', "SELECT number, repeat('x', 2000) AS pad FROM numbers(1000000000)"],
    ];
    for (const [name, sql] of caps) {
      rss = new RssSampler();
      const result = await post(base, sql, Math.min(limits.max_result_rows, 1_000_000));
      log(JSON.stringify({ phase: name, ...result, rssBeforeMb: rss.startMb, peakRssMb: rss.stop() }));
    }

    // 3. Ingestion alone, then while four clients send heavy queries over HTTP (three scans, one groupArray).
    for (const heavy of [false, true]) {
      rss = new RssSampler();
      const stop = Date.now() + SECONDS * 1000;
      const statuses: Record<string, number> = {};
      const attack = async (sql: string) => {
        while (Date.now() < stop) {
          const r = await post(base, sql).catch(() => ({ status: 0, code: 'network' }));
          const key = `${r.status}${r.code ? ` ${r.code}` : ''}`;
          statuses[key] = (statuses[key] ?? 0) + 1;
        }
      };
      const attackers = heavy ? [SCAN, SCAN, SCAN, GREEDY].map(attack) : [];
      const template = generateCalls().slice(0, 500);
      const latencies: number[] = [];
      let rows = 0;
      let batch = 0;
      const started = performance.now();
      while (Date.now() < stop) {
        const t0 = performance.now();
        rows += await store.insertCalls(
          template.map((r) => ({ ...r, request_id: `${mode}-${heavy}-${batch}-${r.request_id}` })),
        );
        latencies.push(performance.now() - t0);
        batch += 1;
      }
      const seconds = (performance.now() - started) / 1000;
      await Promise.all(attackers);
      latencies.sort((a, b) => a - b);
      log(
        JSON.stringify({
          phase: heavy ? 'ingest with heavy queries' : 'ingest alone',
          rowsPerSec: Math.round(rows / seconds),
          batchP50Ms: Math.round(latencies[Math.floor(latencies.length / 2)]),
          batchMaxMs: Math.round(latencies[latencies.length - 1]),
          queries: statuses,
          rssBeforeMb: rss.startMb,
          peakRssMb: rss.stop(),
        }),
      );
    }

    // 4. Timeout and concurrency: max_concurrent + max_queued + 1 endless queries at once.
    if (mode === 'after') {
      const n = limits.max_concurrent + limits.max_queued + 1;
      const answers = await Promise.all(Array.from({ length: n }, () => post(base, ENDLESS)));
      const byOutcome: Record<string, number[]> = {};
      for (const a of answers) (byOutcome[`${a.status} ${a.code}`] ??= []).push(a.seconds);
      log(JSON.stringify({ phase: `${n} endless queries at once`, secondsByOutcome: byOutcome }));
      log(JSON.stringify({ examples: [...new Map(answers.map((a) => [a.code, a.message])).entries()] }));
    }
  } finally {
    await app?.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [command, mode] = process.argv.slice(2);
  if (command === 'ingest') await ingest();
  else if (command === 'memory' && (mode === 'before' || mode === 'after')) await memory(mode);
  else if (command === 'api' && (mode === 'before' || mode === 'after')) await api(mode);
  else log('usage: analytics-isolation.ts ingest | memory before|after | api before|after');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
