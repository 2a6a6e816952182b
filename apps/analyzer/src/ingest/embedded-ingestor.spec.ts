import type {
  ApiCallRow,
  CallEvent,
  CallStore,
  ExportFormat,
  InsertCallsOptions,
  ReadOnlyQueryOptions,
} from '@lessllm/shared';
import { InProcessEventBus, parseConfig } from '@lessllm/shared';
import { ChdbCallStore } from '@lessllm/store';
import { Session } from 'chdb';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDefaultEnricher } from './default-enricher';
import { EmbeddedIngestor, type EmbeddedIngestorOptions } from './embedded-ingestor';
import { IngestService } from './ingest.service';

/**
 * EmbeddedIngestor over a REAL chDB store (one temp folder for the file: chDB binds one folder per process).
 * Tests share the store and tell their rows apart by request-id prefix.
 */

/** Delegates to the real store; `down` makes insertCalls fail, `gate` holds writes in flight. */
class FaultyStore implements CallStore {
  readonly kind = 'chdb' as const;
  down = false;
  /** While set, insertCalls waits for it before writing (a slow write). */
  gate: Promise<void> | null = null;
  /** Batches that reached the real store, in order (request ids). */
  readonly written: string[][] = [];
  /** insertCalls calls, failed ones included, with their time. */
  readonly attempts: { at: number; ids: string[]; ok: boolean }[] = [];

  constructor(private readonly real: CallStore) {}

  /** The `redelivered` ids each successful insertCalls was given (the rollup heal's input). */
  readonly redelivered: string[][] = [];

  async insertCalls(rows: ApiCallRow[], options?: InsertCallsOptions): Promise<number> {
    const ids = rows.map((r) => r.request_id);
    if (this.gate) await this.gate;
    if (this.down) {
      this.attempts.push({ at: Date.now(), ids, ok: false });
      throw new Error('ClickHouse unavailable (injected)');
    }
    const inserted = await this.real.insertCalls(rows, options);
    this.redelivered.push([...(options?.redelivered ?? [])]);
    this.attempts.push({ at: Date.now(), ids, ok: true });
    this.written.push(ids);
    return inserted;
  }

  /** Test helper: attempts and writes whose ids start with `prefix`. */
  writesFor(prefix: string): string[][] {
    return this.written.filter((ids) => ids.some((id) => id.startsWith(prefix)));
  }
  failuresFor(prefix: string): number {
    return this.attempts.filter((a) => !a.ok && a.ids.some((id) => id.startsWith(prefix))).length;
  }

  migrate() {
    return this.real.migrate();
  }
  queryReadOnly(sql: string, options?: ReadOnlyQueryOptions) {
    return this.real.queryReadOnly(sql, options);
  }
  exportReadOnly(sql: string, format: ExportFormat, options?: ReadOnlyQueryOptions) {
    return this.real.exportReadOnly(sql, format, options);
  }
  ping() {
    return this.real.ping();
  }
  close() {
    return this.real.close();
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'lessllm-ingestor-'));
const logger = pino({ level: 'silent' });
const loaded = parseConfig({}, {}, true, 'test');
let real: ChdbCallStore;
let store: FaultyStore;
let ingest: IngestService;
const open: EmbeddedIngestor[] = [];

beforeAll(async () => {
  real = new ChdbCallStore(dataDir);
  await real.open();
  await real.migrate();
  store = new FaultyStore(real);
  ingest = new IngestService(createDefaultEnricher(loaded, logger), store);
}, 60_000);

afterEach(async () => {
  store.down = false;
  store.gate = null;
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((i) => i.close()));
});

afterAll(async () => {
  await real?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function ingestor(options: Partial<EmbeddedIngestorOptions>): EmbeddedIngestor {
  const created = new EmbeddedIngestor(ingest, { batchSize: 10, maxWaitMs: 50, logger, ...options });
  open.push(created);
  return created;
}

const START = Date.UTC(2026, 0, 15, 12, 0, 0);

function event(requestId: string, i = 0): CallEvent {
  const started = START + i * 1000;
  return {
    version: 2,
    request_id: requestId,
    timestamp: new Date(started).toISOString(),
    endpoint: 'chat.completions',
    caller_format: 'openai-chat',
    upstream_format: 'openai-chat',
    tenant: 'acme',
    user_id: `user-${i % 3}`,
    requested_model: 'gpt-4o',
    model: 'gpt-4o-2024-08-06',
    provider: 'openai',
    provider_type: 'openai',
    is_streaming: false,
    status: 'success',
    http_status: 200,
    error_type: null,
    error_message: null,
    request: { model: 'gpt-4o', messages: [{ role: 'user', content: `question ${i}` }] },
    response: {
      id: `chatcmpl-${i}`,
      object: 'chat.completion',
      model: 'gpt-4o-2024-08-06',
      choices: [{ index: 0, message: { role: 'assistant', content: `answer ${i}` }, finish_reason: 'stop' }],
    },
    usage: {
      prompt_tokens: 12,
      completion_tokens: 3,
      total_tokens: 15,
      cached_tokens: 0,
      cache_creation_tokens: 0,
      reasoning_tokens: 0,
    },
    usage_raw: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
    output_chunks: 0,
    timing: {
      started_at_ms: started,
      dns_ms: null,
      connect_ms: null,
      proxy_ms: null,
      tls_ms: null,
      connection_reused: true,
      upstream_headers_ms: 40,
      first_token_ms: null,
      total_ms: 45,
    },
    attempts: [{ provider: 'openai', model: 'gpt-4o-2024-08-06', status: 200, error_type: null, duration_ms: 40 }],
    egress: 'direct',
  };
}

const events = (prefix: string, count: number, from = 0) =>
  Array.from({ length: count }, (_, k) => event(`${prefix}-${from + k}`, from + k));

/** request_id -> number of rows in api_calls, for ids starting with prefix. */
async function storedCounts(prefix: string): Promise<Map<string, number>> {
  const rows = await real.queryReadOnly(
    `SELECT request_id, count() AS n FROM api_calls WHERE startsWith(request_id, '${prefix}-') GROUP BY request_id`,
  );
  return new Map(rows.map((r) => [String(r.request_id), Number(r.n)]));
}

const ids = (prefix: string, count: number, from = 0) =>
  Array.from({ length: count }, (_, k) => `${prefix}-${from + k}`).sort();

describe('EmbeddedIngestor (real chDB store)', () => {
  it('writes as soon as batchSize events are buffered, without waiting for maxWaitMs', async () => {
    const ing = ingestor({ batchSize: 5, maxWaitMs: 60_000 });
    const t0 = Date.now();
    for (const e of events('size', 7)) ing.enqueue(e);
    await expect.poll(() => store.writesFor('size').length, { timeout: 5000, interval: 10 }).toBe(1);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(store.writesFor('size')[0]).toEqual(['size-0', 'size-1', 'size-2', 'size-3', 'size-4']);
    await expect.poll(() => ing.stats().ingested).toBe(5);
    // The 2 left over wait for more events or the (long) timer...
    await sleep(200);
    expect(store.writesFor('size')).toHaveLength(1);
    expect(ing.stats()).toMatchObject({ ingested: 5, buffered: 2 });
    // ...and three more make a full batch again.
    for (const e of events('size', 3, 7)) ing.enqueue(e);
    await expect.poll(() => store.writesFor('size').length, { timeout: 5000, interval: 10 }).toBe(2);
    expect(store.writesFor('size')[1]).toEqual(['size-5', 'size-6', 'size-7', 'size-8', 'size-9']);
    expect([...(await storedCounts('size')).keys()].sort()).toEqual(ids('size', 10));
  });

  it('writes a partial batch once maxWaitMs has passed since the first buffered event', async () => {
    const ing = ingestor({ batchSize: 100, maxWaitMs: 300 });
    const t0 = Date.now();
    for (const e of events('time', 3)) ing.enqueue(e);
    await sleep(100);
    expect(store.writesFor('time')).toHaveLength(0);
    expect(ing.stats().buffered).toBe(3);
    await expect.poll(() => store.writesFor('time').length, { timeout: 5000, interval: 10 }).toBe(1);
    const attempt = store.attempts.find((a) => a.ids[0] === 'time-0')!;
    expect(attempt.at - t0).toBeGreaterThanOrEqual(290);
    expect(store.writesFor('time')[0]).toEqual(['time-0', 'time-1', 'time-2']);
    await expect.poll(() => ing.stats().ingested).toBe(3);
    // A later event starts a new time window.
    const t1 = Date.now();
    ing.enqueue(event('time-3', 3));
    await expect.poll(() => store.writesFor('time').length, { timeout: 5000, interval: 10 }).toBe(2);
    expect(store.attempts.find((a) => a.ids[0] === 'time-3')!.at - t1).toBeGreaterThanOrEqual(290);
    expect(ing.stats()).toMatchObject({ ingested: 4, buffered: 0, dropped: 0, failedWrites: 0 });
  });

  it('loses nothing while the store is down and stores every request id exactly once after it is back', async () => {
    const warn = vi.spyOn(logger, 'warn');
    const ing = ingestor({ batchSize: 5, maxWaitMs: 20 });
    for (const e of events('outage', 10)) ing.enqueue(e);
    await expect.poll(() => ing.stats().ingested, { timeout: 5000, interval: 10 }).toBe(10);

    store.down = true;
    for (const e of events('outage', 12, 10)) ing.enqueue(e);
    await expect.poll(() => store.failuresFor('outage'), { timeout: 5000, interval: 10 }).toBeGreaterThanOrEqual(2);
    // More traffic during the outage; nothing is dropped (far below the buffer limit).
    for (const e of events('outage', 3, 22)) ing.enqueue(e);
    expect(ing.stats()).toMatchObject({ ingested: 10, buffered: 15, dropped: 0 });
    expect((await storedCounts('outage')).size).toBe(10);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ err: 'ClickHouse unavailable (injected)' }),
      'writing call records failed; will retry',
    );

    store.down = false;
    await expect.poll(() => ing.stats().buffered, { timeout: 10_000, interval: 20 }).toBe(0);
    const counts = await storedCounts('outage');
    expect([...counts.keys()].sort()).toEqual(ids('outage', 25));
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(ing.stats()).toMatchObject({ ingested: 25, dropped: 0 });
    expect(ing.stats().failedWrites).toBeGreaterThanOrEqual(2);
  });

  it('a write that reached the store but reported failure is retried without duplicating rows', async () => {
    const ing = ingestor({ batchSize: 4, maxWaitMs: 20 });
    // The first attempt writes, then "loses" the acknowledgement (e.g. a timeout after the server committed).
    const insert = store.insertCalls.bind(store);
    let lost = 0;
    vi.spyOn(store, 'insertCalls').mockImplementation(async (rows) => {
      const n = await insert(rows);
      if (lost++ === 0) throw new Error('socket hang up after commit (injected)');
      return n;
    });
    for (const e of events('ack', 4)) ing.enqueue(e);
    await expect.poll(() => ing.stats().ingested, { timeout: 5000, interval: 10 }).toBe(4);
    expect(ing.stats().failedWrites).toBe(1);
    const counts = await storedCounts('ack');
    expect([...counts.keys()].sort()).toEqual(ids('ack', 4));
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('a full buffer drops the oldest events, counts them and warns', async () => {
    const warn = vi.spyOn(logger, 'warn');
    const ing = ingestor({ batchSize: 100, maxWaitMs: 60_000, bufferLimit: 5 });
    for (const e of events('full', 8)) ing.enqueue(e);
    expect(ing.stats()).toMatchObject({ buffered: 5, dropped: 3, ingested: 0 });
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ limit: 5, dropped: 1 }),
      'call-record buffer full: dropping the oldest events',
    );
    expect(warn).toHaveBeenCalledTimes(1); // rate-limited: once a second
    await ing.close();
    expect([...(await storedCounts('full')).keys()].sort()).toEqual(ids('full', 5, 3));
    expect(ing.stats()).toMatchObject({ buffered: 0, dropped: 3, ingested: 5 });
  });

  it('while the store is down the buffer stays bounded and the newest events survive the outage', async () => {
    const ing = ingestor({ batchSize: 3, maxWaitMs: 20, bufferLimit: 6 });
    store.down = true;
    for (const e of events('bounded', 3)) ing.enqueue(e);
    // The first attempt failed; the retry waits out its backoff (200 ms), so no write is in flight now.
    await expect.poll(() => store.failuresFor('bounded'), { timeout: 5000, interval: 5 }).toBe(1);
    for (const e of events('bounded', 7, 3)) ing.enqueue(e);
    expect(ing.stats()).toMatchObject({ buffered: 6, dropped: 4 });
    store.down = false;
    await expect.poll(() => ing.stats().buffered, { timeout: 10_000, interval: 20 }).toBe(0);
    expect([...(await storedCounts('bounded')).keys()].sort()).toEqual(ids('bounded', 6, 4));
    expect(ing.stats()).toMatchObject({ ingested: 6, dropped: 4 });
  });

  it('a buffer overflow during an in-flight write drops the oldest unwritten event and counts it', async () => {
    const ing = ingestor({ batchSize: 3, maxWaitMs: 20, bufferLimit: 5 });
    let release!: () => void;
    store.gate = new Promise((resolve) => (release = resolve));
    for (const e of events('inflight', 3)) ing.enqueue(e); // inflight-0..2 go out and are held
    await sleep(50);
    for (const e of events('inflight', 3, 3)) ing.enqueue(e); // 3 in flight + 3 new > 5
    expect(ing.stats().dropped).toBe(1);
    release();
    await ing.close();
    // The batch in flight is written; inflight-3, the oldest event not being written, is the one lost.
    expect([...(await storedCounts('inflight')).keys()].sort()).toEqual(
      ['inflight-0', 'inflight-1', 'inflight-2', 'inflight-4', 'inflight-5'].sort(),
    );
    expect(ing.stats()).toMatchObject({ ingested: 5, dropped: 1, buffered: 0 });
  });

  it('close() writes what is buffered and detaches from the bus', async () => {
    const ing = ingestor({ batchSize: 100, maxWaitMs: 60_000 });
    const subscribers: ((e: CallEvent) => void)[] = [];
    let unsubscribed = false;
    ing.attach({
      subscribe: (fn: (e: CallEvent) => void) => {
        subscribers.push(fn);
        return () => (unsubscribed = true);
      },
    } as never);
    for (const e of events('close', 4)) subscribers[0](e);
    expect(ing.stats().buffered).toBe(4);
    expect(store.writesFor('close')).toHaveLength(0);
    const t0 = Date.now();
    await ing.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(unsubscribed).toBe(true);
    expect([...(await storedCounts('close')).keys()].sort()).toEqual(ids('close', 4));
    expect(ing.stats()).toMatchObject({ buffered: 0, ingested: 4 });
  });

  it('close() with the store down gives up after a few attempts and keeps the events counted as buffered', async () => {
    const ing = ingestor({ batchSize: 100, maxWaitMs: 60_000 });
    for (const e of events('closedown', 2)) ing.enqueue(e);
    store.down = true;
    const t0 = Date.now();
    await ing.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(store.failuresFor('closedown')).toBe(3);
    expect(ing.stats()).toMatchObject({ buffered: 2, ingested: 0 });
  });
});

describe('EmbeddedIngestor with a spool (real chDB store, real files)', () => {
  const spoolDirs: string[] = [];
  afterAll(() => spoolDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  function spoolDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'lessllm-ingestor-spool-'));
    spoolDirs.push(dir);
    return dir;
  }

  async function spooled(
    dir: string,
    options: Partial<EmbeddedIngestorOptions> = {},
    spool: Partial<{ segmentBytes: number; maxBytes: number }> = {},
  ): Promise<EmbeddedIngestor> {
    const created = await EmbeddedIngestor.open(ingest, {
      batchSize: 10,
      maxWaitMs: 50,
      logger,
      ...options,
      spool: { dir, fsyncIntervalMs: 20, fsyncBytes: 1 << 20, segmentBytes: 1 << 20, maxBytes: 64 << 20, ...spool },
    });
    open.push(created);
    return created;
  }

  /** Closes an ingestor the test opened (and forgets it). */
  async function closeIngestor(ing: EmbeddedIngestor): Promise<void> {
    open.splice(open.indexOf(ing), 1);
    await ing.close();
  }

  const spoolLines = (dir: string) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
      .map((line) => (JSON.parse(line) as CallEvent).request_id);

  /** Leaves `count` events in a spool the store never took (stopped while the store was down). */
  async function leftInSpool(dir: string, prefix: string, count: number): Promise<void> {
    store.down = true;
    const first = await spooled(dir, { batchSize: 1000, maxWaitMs: 60_000 });
    for (const e of events(prefix, count)) first.enqueue(e);
    await closeIngestor(first); // the drain fails 3 times; the events stay in the spool
    store.down = false;
    expect((await storedCounts(prefix)).size).toBe(0);
    expect(spoolLines(dir).filter((id) => id.startsWith(`${prefix}-`))).toEqual(
      Array.from({ length: count }, (_, k) => `${prefix}-${k}`),
    );
  }

  it('each event is in the spool file before the store has it', async () => {
    const dir = spoolDir();
    let release!: () => void;
    store.gate = new Promise((resolve) => (release = resolve));
    const ing = await spooled(dir);
    for (const e of events('ondisk', 10)) ing.enqueue(e);
    await expect.poll(() => spoolLines(dir)).toEqual(ids('ondisk', 10).sort((a, b) => a.localeCompare(b)));
    expect(store.writesFor('ondisk')).toHaveLength(0);
    release();
    await expect.poll(() => ing.stats().ingested, { timeout: 5000, interval: 10 }).toBe(10);
    expect([...(await storedCounts('ondisk')).keys()].sort()).toEqual(ids('ondisk', 10));
  });

  it("intercept(): the event is in the spool file when the gateway's publish returns, and the bus still delivers it", async () => {
    const dir = spoolDir();
    const ing = await spooled(dir, { batchSize: 1000, maxWaitMs: 60_000 });
    const inner = new InProcessEventBus();
    const delivered: string[] = [];
    const bus = ing.intercept(inner);
    bus.subscribe((e) => void delivered.push(e.request_id));
    bus.publish(event('inline-0'));
    // Same synchronous stretch as the publish: no turn of the event loop has run.
    expect(spoolLines(dir)).toEqual(['inline-0']);
    expect(delivered).toEqual([]);
    await expect.poll(() => delivered).toEqual(['inline-0']);
    await ing.flush();
    expect([...(await storedCounts('inline')).keys()]).toEqual(['inline-0']);
  });

  it('a stop while the store is down keeps the events in the spool; the next start stores each exactly once', async () => {
    const dir = spoolDir();
    const warn = vi.spyOn(logger, 'warn');
    await leftInSpool(dir, 'replay', 30);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ buffered: 30 }),
      'shutting down with call records the store did not take: kept in the spool, stored at the next start',
    );
    const next = await spooled(dir);
    await expect.poll(() => next.stats().replayed, { timeout: 10_000, interval: 20 }).toBe(30);
    const counts = await storedCounts('replay');
    expect([...counts.keys()].sort()).toEqual(ids('replay', 30));
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(next.stats()).toMatchObject({ ingested: 30, dropped: 0 });
  });

  it('replayed events are redelivered to the store, so the hourly rollup heals after a kill inside an insert', async () => {
    const dir = spoolDir();
    // Their own hour (2026-02-03 04:00 UTC): the rollup of that hour holds only these.
    const hour = Date.UTC(2026, 1, 3, 4, 0, 0);
    const heal = events('heal', 20).map((e, k) => ({
      ...e,
      timestamp: new Date(hour + k * 1000).toISOString(),
      timing: { ...e.timing, started_at_ms: hour + k * 1000 },
    }));
    store.down = true;
    const first = await spooled(dir, { batchSize: 1000, maxWaitMs: 60_000 });
    for (const e of heal) first.enqueue(e);
    await closeIngestor(first);
    store.down = false;
    // What a process killed inside the insert can leave: the view's part (rollup) without the api_calls part.
    // Injected with the engine itself: the rows are inserted (view included), then deleted from api_calls.
    await ingest.ingest(heal);
    const admin = new Session(dataDir);
    try {
      await admin.queryAsync(`DELETE FROM api_calls WHERE startsWith(request_id, 'heal-')`);
    } finally {
      admin.close();
    }
    const hourly = async () =>
      Number(
        (
          await real.queryReadOnly(
            `SELECT sum(calls) AS n FROM api_calls_hourly WHERE hour = toDateTime('2026-02-03 04:00:00', 'UTC')`,
          )
        )[0]?.n ?? 0,
      );
    const rows = async () =>
      Number(
        (
          await real.queryReadOnly(
            `SELECT count() AS n FROM api_calls FINAL WHERE toStartOfHour(timestamp) = toDateTime('2026-02-03 04:00:00', 'UTC')`,
          )
        )[0]?.n ?? 0,
      );
    expect({ rows: await rows(), hourly: await hourly() }).toEqual({ rows: 0, hourly: 20 }); // the drift is real

    const batchesBefore = store.redelivered.length;
    const next = await spooled(dir, { batchSize: 10 });
    for (const e of events('heal-new', 5)) next.enqueue(e);
    await expect.poll(() => next.stats().replayed, { timeout: 10_000, interval: 20 }).toBe(20);
    await next.flush();
    const marked = store.redelivered.slice(batchesBefore).flat();
    expect(marked.filter((id) => /^heal-\d+$/.test(id)).sort()).toEqual(ids('heal', 20));
    expect(marked.filter((id) => id.startsWith('heal-new-'))).toEqual([]); // new events are not redeliveries
    const after = { rows: await rows(), hourly: await hourly() };
    console.log(`spool replay rollup heal: api_calls ${after.rows}, api_calls_hourly ${after.hourly} (before 0 / 20)`);
    expect(after).toEqual({ rows: 20, hourly: 20 });
  });

  it("a long replay marks only what the killed run's insert in flight can have touched, not the whole backlog", async () => {
    const dir = spoolDir();
    await leftInSpool(dir, 'suspect', 60);
    // The killed run had stored its first two batches (its checkpoint was not saved yet), then died in the third.
    await ingest.ingest(events('suspect', 20));
    const batchesBefore = store.redelivered.length;
    const next = await spooled(dir, { batchSize: 10 });
    await expect.poll(() => next.stats().ingested, { timeout: 10_000, interval: 20 }).toBe(60);
    const marked = store.redelivered.slice(batchesBefore).flat();
    // Stored batches (0-19), then 2 × batchSize from the first batch with no stored row (20-39); not 40-59.
    expect(marked.sort()).toEqual(ids('suspect', 40));
    const counts = await storedCounts('suspect');
    expect(counts.size).toBe(60);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('the replay runs first while new events flow; all are stored once', async () => {
    const dir = spoolDir();
    await leftInSpool(dir, 'flow-old', 40);
    const next = await spooled(dir, { batchSize: 10 });
    for (const e of events('flow-new', 20)) next.enqueue(e);
    await expect.poll(() => next.stats().ingested, { timeout: 10_000, interval: 20 }).toBe(60);
    expect(next.stats().replayed).toBe(40);
    // Oldest first: every replayed batch was written before the first batch of new events.
    const batches = store.written.filter((b) => b.some((id) => id.startsWith('flow-')));
    const firstNew = batches.findIndex((b) => b.some((id) => id.startsWith('flow-new-')));
    expect(batches.slice(0, firstNew).flat()).toEqual(
      ids('flow-old', 40).sort((a, b) => Number(a.split('-')[2]) - Number(b.split('-')[2])),
    );
    const counts = new Map([...(await storedCounts('flow-old')), ...(await storedCounts('flow-new'))]);
    expect(counts.size).toBe(60);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('memory is only a cache: a tiny buffer loses nothing during an outage, the rest is read back from disk', async () => {
    const dir = spoolDir();
    const ing = await spooled(dir, { batchSize: 10, bufferLimit: 5 });
    store.down = true;
    for (const e of events('cache', 50)) ing.enqueue(e);
    await expect.poll(() => store.failuresFor('cache'), { timeout: 5000, interval: 10 }).toBeGreaterThanOrEqual(1);
    expect(ing.stats()).toMatchObject({ dropped: 0, ingested: 0 });
    expect(ing.stats().buffered).toBeLessThanOrEqual(5);
    store.down = false;
    await expect.poll(() => ing.stats().ingested, { timeout: 10_000, interval: 20 }).toBe(50);
    expect(ing.stats().replayed).toBeGreaterThanOrEqual(45);
    const counts = await storedCounts('cache');
    expect([...counts.keys()].sort()).toEqual(ids('cache', 50));
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('the checkpoint follows the store, stored segments are deleted, and a graceful close leaves nothing to replay', async () => {
    const dir = spoolDir();
    const ing = await spooled(dir, { batchSize: 10 }, { segmentBytes: 8 * 1024, maxBytes: 64 << 20 });
    for (const e of events('ckpt', 60)) ing.enqueue(e);
    await expect.poll(() => ing.stats().ingested, { timeout: 10_000, interval: 20 }).toBe(60);
    const segments = ing.spool!.appendedEnd.segment;
    expect(segments).toBeGreaterThan(3); // several rotations happened...
    // ...and only the active segment is left once the store has everything.
    await expect
      .poll(() => readdirSync(dir).filter((f) => f.endsWith('.jsonl')))
      .toEqual([`${String(segments).padStart(12, '0')}.jsonl`]);
    const end = ing.spool!.appendedEnd;
    await closeIngestor(ing);
    expect(JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'))).toEqual(end);
    const again = await spooled(dir);
    expect(again.spool!.backlogBytes()).toBe(0);
    expect(again.stats().replayed).toBe(0);
  });

  it('full during a long outage: the oldest events are dropped, counted and logged; stored + dropped = sent', async () => {
    const dir = spoolDir();
    const error = vi.spyOn(logger, 'error');
    const ing = await spooled(dir, { batchSize: 10, bufferLimit: 5 }, { segmentBytes: 8 * 1024, maxBytes: 32 * 1024 });
    store.down = true;
    for (let i = 0; i < 150; i += 10) {
      for (const e of events('spoolfull', 10, i)) ing.enqueue(e);
      await sleep(5); // let the writes land (only written segments are dropped)
    }
    await expect.poll(() => ing.stats().spool!.droppedFull, { timeout: 5000, interval: 10 }).toBeGreaterThan(0);
    store.down = false;
    await expect
      .poll(async () => (await storedCounts('spoolfull')).size + ing.stats().spool!.droppedFull, {
        timeout: 10_000,
        interval: 50,
      })
      .toBe(150);
    const stored = [...(await storedCounts('spoolfull')).keys()].map((id) => Number(id.split('-')[1]));
    // The newest survive, without a gap.
    expect(stored.sort((a, b) => a - b)).toEqual(
      Array.from({ length: stored.length }, (_, k) => 150 - stored.length + k),
    );
    expect(ing.stats().spool!.bytes).toBeLessThanOrEqual(40 * 1024);
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ maxBytes: 32 * 1024 }),
      'call spool full: dropped its oldest segment, these call records are lost (is the store down?)',
    );
  });

  it('an event JSON cannot hold (a BigInt field) is still stored, from memory', async () => {
    const ing = await spooled(spoolDir());
    const odd = { ...event('bigint-0'), extra: 10n } as unknown as CallEvent;
    ing.enqueue(odd);
    ing.enqueue(event('bigint-1', 1));
    await ing.flush();
    expect([...(await storedCounts('bigint')).keys()].sort()).toEqual(['bigint-0', 'bigint-1']);
    expect(ing.stats().spool).toMatchObject({ unspooled: 1, appended: 1 });
  });

  it("reports its series and the spool's on a Prometheus registry", async () => {
    const registry = new Registry();
    const ing = await spooled(spoolDir());
    ing.registerMetrics(registry);
    for (const e of events('metrics', 12)) ing.enqueue(e);
    await ing.flush();
    await expect
      .poll(async () => registry.metrics(), { interval: 20 })
      .toContain('lessllm_call_spool_fsync_lag_seconds_count');
    const text = await registry.metrics();
    expect(text).toContain('lessllm_call_spool_events_total{outcome="appended"} 12');
    expect(text).toContain('lessllm_embedded_ingest_events_total{outcome="stored"} 12');
    expect(text).toContain('lessllm_embedded_ingest_events_total{outcome="dropped"} 0');
    expect(text).toMatch(/lessllm_call_spool_write_seconds_count 12/);
    expect(text).toContain('lessllm_call_spool_backlog_bytes 0');
  });
});
