import type { ApiCallRow } from '@lessllm/shared';
import { Session } from 'chdb';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbCallStore } from './chdb-call-store';
import { readOnlySetStatement, resolveLimits } from './read-only-settings';
import { collect, refusal } from './testing/assertions';
import { makeRow, makeRows, MODELS } from './testing/rows';
import { makeTempDir, removeDir } from './testing/temp-dir';

// One data directory for the whole file: chDB binds one directory per process (vitest forks one per file).
const dir = makeTempDir('chdb-store');
let store: ChdbCallStore;
/** A plain read-write connection to the same directory, for checks the read-only API must not allow. */
let admin: Session;
const rows = makeRows(300);

async function adminRows(sql: string): Promise<Record<string, unknown>[]> {
  const text = (await admin.queryAsync(sql, { format: 'JSONEachRow' })).text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

function groupBy<K>(list: ApiCallRow[], key: (row: ApiCallRow) => K): Map<K, ApiCallRow[]> {
  const groups = new Map<K, ApiCallRow[]>();
  for (const row of list) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

const sum = (values: (number | null)[]): number => values.reduce<number>((a, v) => a + (v ?? 0), 0);

beforeAll(async () => {
  store = new ChdbCallStore(dir);
  await store.migrate();
  admin = new Session(dir);
  expect(await store.insertCalls(rows)).toBe(300);
});

afterAll(async () => {
  admin?.close();
  await store?.close();
  removeDir(dir);
});

describe('ChdbCallStore: the MISSION.md example queries, unchanged', () => {
  it('cost and cache hit rate per model', async () => {
    const result = await store.queryReadOnly(`SELECT model, COUNT(*) AS calls, SUM(estimated_cost_usd) AS total_cost,
       AVG(estimated_cache_hit_rate) AS avg_cache_hit_rate
FROM api_calls WHERE timestamp >= '2024-01-01' GROUP BY model;`);
    expect(result).toHaveLength(3);
    for (const [model, group] of groupBy(rows, (r) => r.model)) {
      const row = result.find((r) => r.model === model)!;
      expect(Number(row.calls)).toBe(group.length);
      expect(row.total_cost).toBeCloseTo(sum(group.map((r) => r.estimated_cost_usd)), 9);
      expect(row.avg_cache_hit_rate).toBeCloseTo(sum(group.map((r) => r.estimated_cache_hit_rate)) / group.length, 9);
    }
  });

  it('slow first tokens, newest first', async () => {
    const result = await store.queryReadOnly(`SELECT request_id, model, estimated_ttft_ms, estimated_tpot_ms,
       estimated_cache_hit_rate, actual_cache_hit_rate
FROM api_calls WHERE estimated_ttft_ms > 5000 ORDER BY timestamp DESC;`);
    const expected = rows
      .filter((r) => (r.estimated_ttft_ms ?? 0) > 5000)
      .sort((a, b) => b.timestamp.localeCompare(a.timestamp))
      .map((r) => r.request_id);
    expect(expected.length).toBeGreaterThan(10);
    expect(result.map((r) => r.request_id)).toEqual(expected);
    expect(Object.keys(result[0])).toEqual([
      'request_id',
      'model',
      'estimated_ttft_ms',
      'estimated_tpot_ms',
      'estimated_cache_hit_rate',
      'actual_cache_hit_rate',
    ]);
  });

  it('daily tokens per model', async () => {
    const result =
      await store.queryReadOnly(`SELECT model, date(timestamp) AS date, sum(actual_total_tokens) AS daily_tokens
FROM api_calls GROUP BY model, date(timestamp) ORDER BY date DESC;`);
    const groups = groupBy(rows, (r) => `${r.model}|${r.timestamp.slice(0, 10)}`);
    expect(result).toHaveLength(groups.size);
    expect(result.map((r) => r.date)).toEqual([...result.map((r) => String(r.date))].sort().reverse());
    for (const row of result) {
      const group = groups.get(`${String(row.model)}|${String(row.date)}`)!;
      expect(Number(row.daily_tokens)).toBe(sum(group.map((r) => r.actual_total_tokens)));
    }
  });

  it('round-trips every column of a row', async () => {
    const [row] = await store.queryReadOnly(`SELECT * EXCEPT ingested_at FROM api_calls WHERE request_id = 'req-7'`);
    const expected = rows[7];
    expect(row).toEqual({ ...expected, timestamp: expected.timestamp });
  });
});

describe('ChdbCallStore: idempotent inserts', () => {
  it('inserting the same rows again adds nothing', async () => {
    expect(await store.insertCalls(rows)).toBe(0);
    expect(await store.insertCalls(rows.slice(0, 10))).toBe(0);
    const [row] = await store.queryReadOnly('SELECT count() AS n, uniqExact(request_id) AS ids FROM api_calls');
    expect(row).toEqual({ n: 300, ids: 300 });
  });

  it('duplicates within a batch collapse; a mixed batch inserts only the new ids', async () => {
    const fresh = [
      makeRow({ request_id: 'dup-1' }),
      makeRow({ request_id: 'dup-1' }),
      makeRow({ request_id: 'dup-2' }),
    ];
    expect(await store.insertCalls([...fresh, rows[0], rows[1]])).toBe(2);
    const result = await store.queryReadOnly(
      "SELECT request_id, count() AS n FROM api_calls WHERE request_id LIKE 'dup-%' GROUP BY request_id ORDER BY request_id",
    );
    expect(result).toEqual([
      { request_id: 'dup-1', n: 1 },
      { request_id: 'dup-2', n: 1 },
    ]);
  });

  it('ISO-8601 timestamps are accepted and still deduplicated', async () => {
    const iso = makeRow({ request_id: 'iso-1', timestamp: '2024-03-09T23:59:59.250Z' });
    expect(await store.insertCalls([iso])).toBe(1);
    expect(await store.insertCalls([iso])).toBe(0);
    const [row] = await store.queryReadOnly("SELECT timestamp FROM api_calls WHERE request_id = 'iso-1'");
    expect(row.timestamp).toBe('2024-03-09 23:59:59.250');
  });

  it('concurrent inserts of the same rows store each once', async () => {
    const batch = makeRows(50, 'race', '2024-07');
    const counts = await Promise.all([store.insertCalls(batch), store.insertCalls(batch), store.insertCalls(batch)]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(50);
  });

  it('a duplicate that bypassed the check collapses at merge (ReplacingMergeTree)', async () => {
    const twin = JSON.stringify(makeRow({ request_id: 'twin-1', timestamp: '2024-05-01 00:00:00.000' }));
    await admin.insert({ table: 'api_calls', values: Buffer.from(`${twin}\n`), format: 'JSONEachRow' });
    await admin.insert({ table: 'api_calls', values: Buffer.from(`${twin}\n`), format: 'JSONEachRow' });
    expect(await adminRows("SELECT count() AS n FROM api_calls WHERE request_id = 'twin-1'")).toEqual([{ n: 2 }]);
    expect(await adminRows("SELECT count() AS n FROM api_calls FINAL WHERE request_id = 'twin-1'")).toEqual([{ n: 1 }]);
    await admin.queryAsync('OPTIMIZE TABLE api_calls FINAL');
    expect(await adminRows("SELECT count() AS n FROM api_calls WHERE request_id = 'twin-1'")).toEqual([{ n: 1 }]);
  });

  it('a row without request_id is refused', async () => {
    const err = await refusal(store.insertCalls([makeRow({ request_id: '' })]));
    expect(err.message).toContain('request_id');
  });
});

describe('ChdbCallStore: hourly rollup', () => {
  it('matches sums and quantiles computed from api_calls', async () => {
    const rollup = await store.queryReadOnly(`
      SELECT hour, model, sum(calls) AS calls, sum(errors) AS errors, sum(total_tokens) AS total_tokens,
             sum(prompt_tokens) AS prompt_tokens, sum(cost_usd) AS cost_usd,
             quantilesMerge(0.5, 0.9, 0.99)(ttft_ms_quantiles) AS ttft
      FROM api_calls_hourly WHERE hour < '2024-03-06' GROUP BY hour, model ORDER BY hour, model`);
    const groups = groupBy(rows, (r) => `${r.timestamp.slice(0, 13)}:00:00|${r.model}`);
    expect(rollup).toHaveLength(groups.size);
    for (const row of rollup) {
      const group = groups.get(`${String(row.hour)}|${String(row.model)}`)!;
      expect(Number(row.calls)).toBe(group.length);
      expect(Number(row.errors)).toBe(group.filter((r) => r.status === 'error').length);
      const prompt = sum(group.map((r) => r.actual_prompt_tokens ?? r.estimated_prompt_tokens));
      expect(Number(row.prompt_tokens)).toBe(prompt);
      const total = sum(
        group.map((r) => r.actual_total_tokens ?? r.estimated_prompt_tokens + r.estimated_completion_tokens),
      );
      expect(Number(row.total_tokens)).toBe(total);
      expect(row.cost_usd).toBeCloseTo(sum(group.map((r) => r.estimated_cost_usd)), 9);
    }
    const raw = await store.queryReadOnly(`
      SELECT toStartOfHour(timestamp) AS hour, model, quantiles(0.5, 0.9, 0.99)(estimated_ttft_ms) AS ttft
      FROM api_calls WHERE timestamp < '2024-03-06' GROUP BY hour, model ORDER BY hour, model`);
    expect(rollup.map((r) => r.ttft)).toEqual(raw.map((r) => r.ttft));
  });
});

describe('ChdbCallStore: read-only enforcement', () => {
  it.each([
    ["INSERT INTO api_calls (request_id) VALUES ('x')", 'must start with SELECT or WITH'],
    ['DROP TABLE api_calls', 'must start with SELECT or WITH'],
    ['SELECT 1; DROP TABLE api_calls', 'only one SELECT or WITH statement is allowed'],
    ['SET readonly = 0', 'must start with SELECT or WITH'],
    ['SELECT 1 SETTINGS readonly = 0', 'SETTINGS clauses are not allowed'],
    ['WITH x AS (SELECT 1) INSERT INTO api_calls (request_id) SELECT * FROM x', 'INSERT is not allowed'],
    ['SELECT 1 -- \n; DROP TABLE api_calls', 'only one SELECT or WITH statement is allowed'],
    ["SELECT 1 INTO OUTFILE '/tmp/lessllm-outfile.csv'", 'INTO OUTFILE is not allowed'],
    ['SELECT 1 FORMAT TSV', 'FORMAT clauses are not allowed'],
  ])('the validator refuses %j', async (sql, message) => {
    const err = await refusal(store.queryReadOnly(sql));
    expect(err.kind).toBe('invalid_sql');
    expect(err.message).toContain(message);
  });

  it.each([
    ["SELECT * FROM file('/etc/hostname', 'LineAsString')", 'file() is not allowed'],
    ["SELECT * FROM url('http://127.0.0.1:9/x.csv', 'CSV', 'a String')", 'url() is not allowed'],
    ["SELECT * FROM remote('127.0.0.1:9', system.one)", 'remote() is not allowed'],
    ["SELECT file('/etc/hostname')", 'file() is not allowed: it reads files'],
    ['SELECT * FROM schema_migrations', 'reading schema_migrations is not allowed'],
  ])('the sandbox refuses %j before it reaches the engine', async (sql, message) => {
    const err = await refusal(store.queryReadOnly(sql));
    expect(err.kind).toBe('invalid_sql');
    expect(err.message).toContain(message);
  });

  it.each([
    ["INSERT INTO api_calls (request_id) VALUES ('smuggled')"],
    ['DROP TABLE api_calls'],
    ['SELECT 1; DROP TABLE api_calls'],
    ['SET readonly = 0'],
    ['SELECT 1 SETTINGS readonly = 0'],
    ['SELECT count() FROM numbers(100) SETTINGS max_result_rows = 0'],
    ["WITH x AS (SELECT 'smuggled') INSERT INTO api_calls (request_id) SELECT * FROM x"],
    ["INSERT INTO FUNCTION file('/tmp/lessllm-smuggled.csv', 'CSV', 'a UInt8') VALUES (1)"],
    ['OPTIMIZE TABLE api_calls FINAL'],
    ["SELECT * FROM file('/etc/hostname', 'LineAsString')"],
    ["SELECT * FROM url('http://127.0.0.1:9/x.csv', 'CSV', 'a String')"],
    ["SELECT * FROM remote('127.0.0.1:9', system.one)"],
    ['SET max_memory_usage = 0'],
  ])('behind the validator, a connection under our SET statement refuses %j', async (sql) => {
    // What readOnlyChunks does: a fresh connection, the limits and readonly=1 SET first, then the query.
    const session = new Session(dir);
    try {
      await session.queryAsync(readOnlySetStatement(resolveLimits({ maxRows: 10, timeoutSeconds: 5 })));
      const err = await session.queryAsync(sql).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/READONLY|readonly mode/);
    } finally {
      session.close();
    }
    expect(await adminRows("SELECT count() AS n FROM api_calls WHERE request_id = 'smuggled'")).toEqual([{ n: 0 }]);
  });

  it('accepts normal SELECT and WITH queries, and the writer connection stays writable', async () => {
    expect(await store.queryReadOnly('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(
      await store.queryReadOnly(
        "WITH m AS (SELECT model FROM api_calls WHERE model = 'gpt-4o' AND timestamp < '2024-03-06') SELECT count() AS n FROM m",
      ),
    ).toEqual([{ n: rows.filter((r) => r.model === 'gpt-4o').length }]);
    expect(await store.queryReadOnly("SELECT ';DROP TABLE x' AS s /* ; */")).toEqual([{ s: ';DROP TABLE x' }]);
    expect(await store.insertCalls([makeRow({ request_id: 'after-readonly' })])).toBe(1);
  });

  it('engine errors carry ClickHouse own message', async () => {
    const err = await refusal(store.queryReadOnly('SELECT no_such_column FROM api_calls'));
    expect(err.kind).toBe('engine');
    expect(err.message).toMatch(/^ClickHouse \(chDB\) refused the query: Code: 47\. DB::Exception: .*no_such_column/);
    expect(err.message).not.toContain('(version');
  });
});

describe('ChdbCallStore: limits', () => {
  it('maxRows over the limit is a StoreQueryError from the engine', async () => {
    const err = await refusal(store.queryReadOnly('SELECT number FROM numbers(100)', { maxRows: 10 }));
    expect(err.kind).toBe('too_many_rows');
    expect(err.message).toContain('Limit for result exceeded');
  });

  it('maxRows also holds for UNION ALL, which ClickHouse checks per branch', async () => {
    const union = 'SELECT number FROM numbers(8) UNION ALL SELECT number FROM numbers(8)';
    const err = await refusal(store.queryReadOnly(union, { maxRows: 10 }));
    expect(err.kind).toBe('too_many_rows');
    expect(await store.queryReadOnly(union, { maxRows: 16 })).toHaveLength(16);
  });

  it('the default is 10,000 rows', async () => {
    expect(await store.queryReadOnly('SELECT number FROM numbers(10000)')).toHaveLength(10_000);
    expect((await refusal(store.queryReadOnly('SELECT number FROM numbers(10001)'))).kind).toBe('too_many_rows');
  });

  it('timeoutSeconds stops a long query, and the event loop keeps running meanwhile', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 10);
    const started = Date.now();
    const err = await refusal(
      store.queryReadOnly('SELECT count() FROM numbers(1000000000000) WHERE sipHash64(number) % 7 = 1', {
        timeoutSeconds: 1,
      }),
    );
    clearInterval(timer);
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain('Timeout exceeded');
    expect(Date.now() - started).toBeLessThan(10_000);
    // ~100 ticks if nothing blocks; a synchronous query would allow at most one or two.
    expect(ticks).toBeGreaterThan(30);
  });

  it('bad options are refused before running', async () => {
    expect((await refusal(store.queryReadOnly('SELECT 1', { maxRows: 0 }))).kind).toBe('invalid_options');
    expect((await refusal(store.queryReadOnly('SELECT 1', { timeoutSeconds: -1 }))).kind).toBe('invalid_options');
    expect((await refusal(store.queryReadOnly('SELECT 1', { maxResultBytes: 0 }))).kind).toBe('invalid_options');
  });

  it('maxResultBytes refuses a large result, and the engine enforces it on its own (max_result_bytes)', async () => {
    const sql = "SELECT number, repeat('x', 1000) AS pad FROM numbers(10000)";
    expect(await store.queryReadOnly(sql, { maxRows: 10_000, maxResultBytes: 50 * 1024 * 1024 })).toHaveLength(10_000);
    const err = await refusal(store.queryReadOnly(sql, { maxRows: 10_000, maxResultBytes: 1024 * 1024 }));
    expect(err.kind).toBe('result_too_large');
    // The engine alone, under our SET statement, with nothing reading the result in JS. It checks between blocks
    // (a first block over the limit passes, which is why the bytes are counted here too): several blocks here.
    const session = new Session(dir);
    try {
      await session.queryAsync(
        readOnlySetStatement(resolveLimits({ maxRows: 1_000_000, maxResultBytes: 1024 * 1024 })),
      );
      const blocks = "SELECT number, repeat('x', 100) AS pad FROM numbers(200000)";
      const engine = await session.queryAsync(blocks, { format: 'JSONEachRow' }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(engine?.message).toContain('Limit for result exceeded, max bytes: 1.00 MiB');
    } finally {
      session.close();
    }
  });

  it('maxResultBytes also bounds the JSON this process reads (UNION branches are checked one by one)', async () => {
    // Each branch is ~600 KB of JSON, under the engine's per-branch limit; together they are over it.
    const branch = "SELECT repeat('x', 6000) AS pad FROM numbers(100)";
    const err = await refusal(
      store.queryReadOnly(`${branch} UNION ALL ${branch} UNION ALL ${branch}`, { maxResultBytes: 1024 * 1024 }),
    );
    expect(err.kind).toBe('result_too_large');
    expect(err.message).toContain('larger than 1 MiB');
  });

  it('maxMemoryBytes caps what one query may allocate (groupArray over 100M rows)', async () => {
    const err = await refusal(
      store.queryReadOnly('SELECT length(groupArray(number)) AS n FROM numbers(100000000)', {
        maxMemoryBytes: 100 * 1024 * 1024,
      }),
    );
    expect(err.kind).toBe('memory_limit');
    expect(err.message).toMatch(/memory limit exceeded/i);
  });
});

describe('ChdbCallStore: export', () => {
  it('parquet: PAR1 bytes that chDB reads back', async () => {
    const bytes = await collect(
      store.exportReadOnly("SELECT * FROM api_calls WHERE timestamp < '2024-03-06'", 'parquet'),
    );
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(bytes.subarray(-4).toString()).toBe('PAR1');
    const file = join(dir, 'export.parquet');
    writeFileSync(file, bytes);
    expect(
      await adminRows(`SELECT count() AS n, sum(actual_total_tokens) AS t FROM file('${file}', 'Parquet')`),
    ).toEqual([{ n: 300, t: sum(rows.map((r) => r.actual_total_tokens)) }]);
  });

  it('csv: one header line, then the rows', async () => {
    const text = (
      await collect(store.exportReadOnly('SELECT request_id, model FROM api_calls ORDER BY request_id', 'csv'))
    ).toString();
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('"request_id","model"');
    expect(lines.length).toBeGreaterThan(300);
  });

  it('csv: a result spanning many stream chunks keeps a single header', async () => {
    const text = (
      await collect(store.exportReadOnly('SELECT number AS n FROM numbers(300000)', 'csv', { maxRows: 300_000 }))
    ).toString();
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(300_001);
    expect(lines.filter((l) => l === '"n"')).toHaveLength(1);
    expect(lines[300_000]).toBe('299999');
  });

  it('jsonl: every line parses', async () => {
    const text = (
      await collect(store.exportReadOnly('SELECT request_id, model FROM api_calls LIMIT 25', 'jsonl'))
    ).toString();
    const parsed = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { model: string });
    expect(parsed).toHaveLength(25);
    expect(MODELS).toContain(parsed[0].model);
  });

  it('export is read-only and limited too', async () => {
    const write = await refusal(collect(store.exportReadOnly('DROP TABLE api_calls', 'csv')));
    expect(write.kind).toBe('invalid_sql');
    const big = await refusal(
      collect(store.exportReadOnly('SELECT number FROM numbers(100)', 'jsonl', { maxRows: 5 })),
    );
    expect(big.kind).toBe('too_many_rows');
  });
});

describe('ChdbCallStore: throughput and persistence', () => {
  it('inserts 20k rows in batches of 1,000 (rows/s reported)', async () => {
    const bulk = makeRows(20_000, 'bulk', '2025-01');
    const started = performance.now();
    let inserted = 0;
    for (let i = 0; i < bulk.length; i += 1_000) inserted += await store.insertCalls(bulk.slice(i, i + 1_000));
    const seconds = (performance.now() - started) / 1000;
    console.info(
      `chDB insertCalls: ${inserted} rows in ${seconds.toFixed(2)} s = ${Math.round(inserted / seconds)} rows/s`,
    );
    expect(inserted).toBe(20_000);
  }, 120_000);

  it('rows survive close and reopen', async () => {
    const before = await store.queryReadOnly('SELECT count() AS n FROM api_calls');
    admin.close();
    await store.close();
    expect(await store.ping()).toBe(false);
    expect((await refusal(store.insertCalls([makeRow({ request_id: 'too-late' })]))).message).toContain('closed');
    store = new ChdbCallStore(dir);
    expect(await store.migrate()).toEqual([]);
    expect(await store.queryReadOnly('SELECT count() AS n FROM api_calls')).toEqual(before);
    expect(await store.ping()).toBe(true);
    admin = new Session(dir);
  });
});
