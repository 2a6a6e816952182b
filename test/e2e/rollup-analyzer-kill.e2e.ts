import { CALLS_STREAM, JetStreamCallEventBus } from '@lessllm/messaging';
import { ChdbCallStore } from '@lessllm/store';
import { Session } from 'chdb';
import { connect, type ConsumerInfo, type NatsConnection } from 'nats';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCallEvent } from '../../bench/call-events';
import { CLI, ensureCliBuilt } from '../support/cli';
import { startNatsServer, type RunningNatsServer } from '../support/nats-server';
import { freePort } from '../support/proxies';

/**
 * Issue 11, "rollups that heal": a real `lessllm analyzer` process drains a JetStream backlog and is killed with
 * SIGKILL six times, each time while a batch is in flight (fetched, not acknowledged): three times at a random
 * moment of a batch, three times the instant a new api_calls part appears on disk (the batch's rows committed, its
 * rollup part not yet written). Between a kill and the next start the test opens the chDB folder itself and
 * measures the drift left (rows without their rollup). The batch comes back (ack_wait 2 s) to a later analyzer,
 * which heals the rollup. At the end api_calls holds every event once and the rollup equals a GROUP BY over
 * api_calls, with no doctor run.
 */
const EVENTS = 3_000;
const KILLS = 6;
const BATCH = 150;
const ADMIN_KEY = 'admin-key-rollup-kill';
const HOUR_MS = 3_600_000;

let nats: RunningNatsServer;
let nc: NatsConnection;
let dir: string;
let dataDir: string;
let configFile: string;
/** api_calls' folder in the chDB data directory (new parts appear there). */
let apiCallsDir: string;
const published = new Set<string>();
const firstEventMs = Math.floor(Date.now() / HOUR_MS - 6) * HOUR_MS;

interface Analyzer {
  child: ChildProcess;
  url: string;
  /** Resolves on the ready line (HTTP up). The consumer starts before it, so batches may already be in flight. */
  ready: Promise<void>;
}

async function startAnalyzer(): Promise<Analyzer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [CLI, 'analyzer', '--port', String(port), '--host', '127.0.0.1', '-c', configFile],
    {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const ready = (async () => {
    const deadline = Date.now() + 30_000;
    while (!out.includes('LessLLM analyzer on')) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        throw new Error(`analyzer did not start: ${out}`);
      }
      await sleep(20);
    }
  })();
  ready.catch(() => undefined); // a run killed before its ready line
  return { child, url: `http://127.0.0.1:${port}`, ready };
}

async function stop(analyzer: Analyzer, signal: NodeJS.Signals): Promise<void> {
  if (analyzer.child.exitCode !== null || analyzer.child.signalCode !== null) return;
  const exited = new Promise((resolve) => analyzer.child.once('exit', resolve));
  analyzer.child.kill(signal);
  await exited;
}

/** The analyzers' durable consumer; null until the first analyzer created it (it does so in the background). */
const consumerInfo = async (): Promise<ConsumerInfo | null> =>
  (await nc.jetstreamManager()).consumers.info(CALLS_STREAM, 'analyzer').catch(() => null);

interface Counters {
  redelivered: number;
  heals: number;
  hoursRecomputed: number;
  /** enrich + insert time of the batches so far, and their number. */
  batchSeconds: number;
  batches: number;
}
const NO_COUNTERS: Counters = { redelivered: 0, heals: 0, hoursRecomputed: 0, batchSeconds: 0, batches: 0 };
const add = (sum: Counters, c: Counters) => {
  for (const key of Object.keys(sum) as (keyof Counters)[]) sum[key] += c[key];
};

/** Counters from the analyzer's /metrics (0 when a series is absent). */
async function counters(analyzer: Analyzer): Promise<Counters> {
  const text = await (await request(`${analyzer.url}/metrics`, { headersTimeout: 2_000 })).body.text();
  const read = (name: string) => Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    redelivered: read('lessllm_analyzer_events_total\\{outcome="redelivered",service="analyzer"\\}'),
    heals: read('lessllm_analyzer_rollup_heals_total\\{service="analyzer"\\}'),
    hoursRecomputed: read('lessllm_analyzer_rollup_hours_recomputed_total\\{service="analyzer"\\}'),
    batchSeconds: read('lessllm_analyzer_insert_duration_seconds_sum\\{service="analyzer"\\}'),
    batches: read('lessllm_analyzer_insert_duration_seconds_count\\{service="analyzer"\\}'),
  };
}

/**
 * Waits for the analyzer's next pull: delivered.consumer_seq grows with every message handed out (redeliveries
 * included), a batch's messages within a few ms. Returns when the pull was first seen (5 ms polls) and the
 * consumer_seq once it stopped growing, so the next call waits for the next pull, not the rest of this one.
 */
async function nextFetch(kill: number, after: number): Promise<{ at: number; seq: number }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const info = await consumerInfo();
    if (info && info.delivered.consumer_seq > after) {
      const at = performance.now();
      let seq = info.delivered.consumer_seq;
      for (let settled = false; !settled;) {
        await sleep(3);
        const now = (await consumerInfo())?.delivered.consumer_seq ?? seq;
        settled = now === seq;
        seq = now;
      }
      return { at, seq };
    }
    if (Date.now() > deadline) throw new Error(`kill ${kill}: the analyzer fetched nothing (${JSON.stringify(info)})`);
    await sleep(5);
  }
}

/** The lower median. */
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/** Opens the (dead analyzer's) chDB folder in this process, then releases it for the next analyzer. */
async function withStore<T>(fn: (store: ChdbCallStore, sql: Sql) => Promise<T>): Promise<T> {
  const store = new ChdbCallStore(dataDir);
  const session = new Session(dataDir);
  const sql: Sql = async (query) =>
    (await session.queryAsync(query, { format: 'JSONEachRow' }))
      .text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  try {
    return await fn(store, sql);
  } finally {
    session.close();
    await store.close();
  }
}
type Sql = (query: string) => Promise<Record<string, unknown>[]>;

const everything = { from: new Date(firstEventMs - HOUR_MS), to: new Date(Date.now() + HOUR_MS) };

/** Calls stored minus calls in the rollup, from plain counts (independent of the store's check). */
async function rowsWithoutRollup(sql: Sql): Promise<number> {
  const [row] = await sql(
    'SELECT (SELECT count() FROM api_calls FINAL) - (SELECT sum(calls) FROM api_calls_hourly) AS n',
  );
  return Number(row.n);
}

/**
 * True as soon as a new part of api_calls is committed on disk, `<partition>_<n>_<n>_<level>` (an insert; a merge
 * spans blocks), false after timeoutMs.
 */
function nextInsertedPart(timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const done = (seen: boolean) => {
      watcher.close();
      clearTimeout(timer);
      resolve(seen);
    };
    const watcher = watch(apiCallsDir, (_event, name) => {
      if (name && /^\d+_(\d+)_\1_\d+$/.test(name)) done(true);
    });
    const timer = setTimeout(() => done(false), timeoutMs);
  });
}

async function publishBacklog(): Promise<void> {
  const bus = await JetStreamCallEventBus.connect({
    servers: nats.url,
    logger: pino({ level: 'warn' }),
    bufferLimit: EVENTS * 2,
    name: 'rollup-kill-test',
  });
  try {
    // Spread over six hours, so batches span hours and a heal recomputes several.
    for (let i = 0; i < EVENTS; i++) {
      const event = makeCallEvent(i, firstEventMs + Math.floor((i * 6 * HOUR_MS) / EVENTS));
      published.add(event.request_id);
      bus.publish(event);
    }
    const deadline = Date.now() + 30_000;
    while (bus.stats().published < EVENTS && Date.now() < deadline) await sleep(20);
    expect(bus.stats().published).toBe(EVENTS);
  } finally {
    await bus.close();
  }
}

beforeAll(async () => {
  ensureCliBuilt();
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url, name: 'rollup-kill-observer' });
  dir = mkdtempSync(join(tmpdir(), 'lessllm-rollup-kill-'));
  dataDir = join(dir, 'data');
  configFile = join(dir, 'lessllm.yaml');
  const config = {
    providers: { openai: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-unused', models: ['m'] } },
    auth: { admin_key: ADMIN_KEY },
    events: { nats_url: nats.url },
    storage: { data_dir: dataDir },
    analyzer: { batch_size: BATCH, batch_max_wait_ms: 1_000, ack_wait_ms: 2_000 },
    server: { log_level: 'warn' },
  };
  writeFileSync(configFile, JSON.stringify(config)); // JSON is YAML
  apiCallsDir = await withStore(async (store, sql) => {
    await store.migrate();
    const [row] = await sql("SELECT data_paths[1] AS dir FROM system.tables WHERE name = 'api_calls'");
    return String(row.dir);
  });
  await publishBacklog();
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('analyzer kill -9 while draining a backlog', () => {
  it('api_calls exact and the rollup equal to a GROUP BY over api_calls, healed by redelivery', async () => {
    const t0 = Date.now();
    const kills: Array<{ kind: string; offsetMs: number; unackedAtKill: number; driftAfter: number }> = [];
    const seen: Counters = { ...NO_COUNTERS };
    /** Fetch-to-fetch intervals of warm batches (not a process's first): how long a batch takes. */
    const warm: number[] = [];
    for (let k = 1; k <= KILLS; k++) {
      const analyzer = await startAnalyzer();
      try {
        // A process's first batch is slow (JIT, tokenizer load) and mostly enrichment, so the kill lands in a later
        // one: the 3rd in the first run (which measures a warm batch), the 2nd afterwards (so the backlog lasts).
        const target = k === 1 ? 3 : 2;
        let seq = (await consumerInfo())?.delivered.consumer_seq ?? 0;
        const fetchedAt: number[] = [];
        for (let n = 1; n <= target; n++) {
          const fetch = await nextFetch(k, seq);
          fetchedAt.push(fetch.at);
          seq = fetch.seq;
        }
        for (let n = 2; n < fetchedAt.length; n++) warm.push(fetchedAt[n] - fetchedAt[n - 1]);
        const scrape = analyzer.ready.then(() => counters(analyzer)).catch(() => null); // null: killed first
        const started = performance.now();
        let kind: string;
        if (k % 2 === 1) {
          // Anywhere in the batch: enrichment, the insert, or between its two parts.
          kind = 'random';
          await sleep(Math.random() * median(warm));
        } else {
          // Right after the batch's api_calls part was committed: its rollup part is being written.
          const seen = await nextInsertedPart(3 * median(warm));
          kind = seen ? 'at-commit' : 'at-commit (no part seen: random)';
        }
        await stop(analyzer, 'SIGKILL');
        const offsetMs = Math.round(performance.now() - started);
        const c = await scrape;
        if (c) add(seen, c);
        // Unacked after the kill: the dead analyzer's batch, which JetStream will deliver again.
        const unackedAtKill = (await consumerInfo())?.num_ack_pending ?? 0;
        const driftAfter = await withStore((_store, sql) => rowsWithoutRollup(sql));
        kills.push({ kind, offsetMs, unackedAtKill, driftAfter });
      } finally {
        await stop(analyzer, 'SIGKILL');
      }
    }

    // The last analyzer drains the rest, redelivered batches included, then stops cleanly.
    const last = await startAnalyzer();
    try {
      await last.ready;
      await expect
        .poll(
          async () => {
            const info = await consumerInfo();
            return info ? info.num_pending + info.num_ack_pending : -1;
          },
          { timeout: 30_000, interval: 100 },
        )
        .toBe(0);
      add(seen, await counters(last));
    } finally {
      await stop(last, 'SIGTERM');
    }
    const seconds = (Date.now() - t0) / 1000;
    console.log(JSON.stringify({ seconds, warmBatchMs: Math.round(median(warm)), kills, ...seen }));

    // The faults happened: every kill held a batch in flight, at least one left rows without their rollup,
    // and batches really came back.
    expect(kills).toHaveLength(KILLS);
    expect(kills.every((kill) => kill.unackedAtKill > 0)).toBe(true);
    expect(kills.filter((kill) => kill.kind === 'at-commit').length).toBeGreaterThan(0);
    expect(kills.some((kill) => kill.driftAfter > 0)).toBe(true);
    expect(seen.redelivered).toBeGreaterThan(0);
    expect(seen.heals).toBeGreaterThan(0);

    await withStore(async (store, sql) => {
      const [count] = await sql('SELECT count() AS n, uniqExact(request_id) AS ids FROM api_calls FINAL');
      expect(Number(count.n)).toBe(EVENTS);
      expect(Number(count.ids)).toBe(EVENTS);
      const ids = await sql('SELECT request_id FROM api_calls');
      expect(ids).toHaveLength(EVENTS); // no duplicate row either, merged or not
      expect(new Set(ids.map((r) => String(r.request_id)))).toEqual(published);

      expect(await rowsWithoutRollup(sql)).toBe(0);
      expect(await store.checkRollup(everything)).toEqual([]);
      // Independently, per hour and group: the rollup's calls and tokens against a GROUP BY over api_calls.
      const diff = await sql(`
        SELECT hour, model, tenant, user_id, sum(c) AS calls, sum(t) AS tokens FROM (
          SELECT toStartOfHour(timestamp) AS hour, model, tenant, user_id, toInt64(count()) AS c,
                 toInt64(sum(coalesce(actual_total_tokens, estimated_prompt_tokens + estimated_completion_tokens))) AS t
          FROM api_calls FINAL GROUP BY hour, model, tenant, user_id
          UNION ALL
          SELECT hour, model, tenant, user_id, -toInt64(sum(calls)), -toInt64(sum(total_tokens))
          FROM api_calls_hourly GROUP BY hour, model, tenant, user_id
        ) GROUP BY hour, model, tenant, user_id HAVING calls != 0 OR tokens != 0`);
      expect(diff).toEqual([]);
      const [hours] = await sql('SELECT uniqExact(hour) AS n FROM api_calls_hourly');
      expect(Number(hours.n)).toBeGreaterThanOrEqual(6);
    });
    expect(seconds).toBeLessThan(60);
  }, 120_000);
});
