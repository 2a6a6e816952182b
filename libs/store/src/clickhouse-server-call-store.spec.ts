import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseServerCallStore } from './clickhouse-server-call-store';
import { MIGRATIONS } from './migrations';
import { readOnlySettings, resolveLimits } from './read-only-settings';
import { collect, refusal } from './testing/assertions';
import { startClickHouseHttpShim, type RunningShim } from './testing/clickhouse-http-shim';
import { QUERY_USER_CONSTRAINTS, QUERY_USER_PROFILE } from './testing/deploy-query-user';
import { makeRow, makeRows } from './testing/rows';
import { makeTempDir, removeDir } from './testing/temp-dir';

/**
 * The server store's contract over HTTP with @clickhouse/client. Against a real ClickHouse server (24.x+) when
 * CLICKHOUSE_URL is set (e.g. http://default:@localhost:8123; the suite creates and drops its own database), or
 * a throwaway clickhouse/clickhouse-server container when LESSLLM_CLICKHOUSE_DOCKER=1 (testcontainers).
 * Otherwise through the HTTP shim on chDB (testing/clickhouse-http-shim.ts): the same client, the same requests,
 * ClickHouse's engine behind them, but not a ClickHouse server (NOTES.md, "The HTTP shim", says what it cannot
 * prove).
 */
const IMAGE = 'clickhouse/clickhouse-server:24.8';
const SHIM_USERS = {
  default: { password: 'shim-admin' },
  lessllm: { password: 'shim-writer' },
  lessllm_query: { password: 'shim-query', profile: QUERY_USER_PROFILE, constraints: QUERY_USER_CONSTRAINTS },
};
const QUERY_USER = 'lessllm_query';

let mode: 'server' | 'docker' | 'shim' = 'shim';
let adminUrl: string;
let writer: { url: string; username?: string; password?: string };
let queryUser: { username: string; password: string } | undefined;
let shim: RunningShim | undefined;
let shimDir: string | undefined;
let stopContainer: (() => Promise<void>) | undefined;

const database = `lessllm_test_${process.pid}_${Date.now()}`;
let admin: ClickHouseClient;
let store: ClickHouseServerCallStore;
const rows = makeRows(300);

async function startTarget(): Promise<void> {
  if (process.env.CLICKHOUSE_URL) {
    mode = 'server';
    adminUrl = process.env.CLICKHOUSE_URL;
    writer = { url: adminUrl };
    return;
  }
  if (process.env.LESSLLM_CLICKHOUSE_DOCKER === '1') {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer(IMAGE)
      .withEnvironment({
        CLICKHOUSE_USER: 'lessllm',
        CLICKHOUSE_PASSWORD: 'lessllm-test',
        CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT: '1',
      })
      .withUlimits({ nofile: { soft: 262_144, hard: 262_144 } })
      .withExposedPorts(8123)
      .withWaitStrategy(Wait.forHttp('/ping', 8123).forStatusCode(200))
      .withStartupTimeout(120_000)
      .start();
    stopContainer = async () => void (await container.stop());
    mode = 'docker';
    adminUrl = `http://lessllm:lessllm-test@${container.getHost()}:${container.getMappedPort(8123)}`;
    writer = { url: adminUrl };
    return;
  }
  shimDir = makeTempDir('clickhouse-shim');
  shim = await startClickHouseHttpShim({ dataDir: shimDir, users: SHIM_USERS });
  adminUrl = shim.url.replace('http://', 'http://default:shim-admin@');
  writer = { url: shim.url, username: 'lessllm', password: 'shim-writer' };
}

/** A dedicated read-only user like deploy's lessllm_query: the shim has it; a real server gets one if it can. */
async function setUpQueryUser(): Promise<void> {
  if (mode === 'shim') {
    queryUser = { username: QUERY_USER, password: 'shim-query' };
    return;
  }
  const name = `lessllm_query_${process.pid}`;
  try {
    await admin.command({
      query: `CREATE USER IF NOT EXISTS ${name} IDENTIFIED BY 'query-test' SETTINGS readonly = 1`,
    });
    await admin.command({ query: `GRANT SELECT ON ${database}.api_calls TO ${name}` });
    await admin.command({ query: `GRANT SELECT ON ${database}.api_calls_hourly TO ${name}` });
    queryUser = { username: name, password: 'query-test' };
  } catch (err) {
    console.warn(
      `no dedicated query user on this server (${(err as Error).message}); read-only queries use the writer`,
    );
  }
}

describe(`ClickHouseServerCallStore (a ClickHouse server, or the HTTP shim on chDB)`, () => {
  beforeAll(async () => {
    await startTarget();
    console.info(`ClickHouseServerCallStore suite against: ${mode === 'shim' ? 'the HTTP shim on chDB' : mode}`);
    admin = createClient({ url: adminUrl });
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    await setUpQueryUser();
    store = new ClickHouseServerCallStore({
      ...writer,
      database,
      queryUsername: queryUser?.username,
      queryPassword: queryUser?.password,
    });
  }, 300_000);

  afterAll(async () => {
    await store?.close();
    if (queryUser && mode !== 'shim') await admin?.command({ query: `DROP USER IF EXISTS ${queryUser.username}` });
    await admin?.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await admin?.close();
    await shim?.close();
    if (shimDir) removeDir(shimDir);
    await stopContainer?.();
  }, 60_000);

  it('pings, and wrong credentials are refused (unhealthy, and an authentication error)', async () => {
    expect(await store.ping()).toBe(true);
    const wrong = new ClickHouseServerCallStore({ url: writer.url, username: 'lessllm', password: 'wrong', database });
    try {
      expect(await wrong.ping()).toBe(false);
      const err = await refusal(wrong.queryReadOnly('SELECT 1'));
      expect(err.kind).toBe('access_denied');
      expect(err.clickhouseCode).toBe(516);
    } finally {
      await wrong.close();
    }
  });

  it('migrations apply once', async () => {
    expect(await store.migrate()).toEqual(MIGRATIONS.map((m) => m.id));
    expect(await store.migrate()).toEqual([]);
  });

  it('inserts idempotently (ids bound as an Array(String) query parameter)', async () => {
    expect(await store.insertCalls(rows)).toBe(300);
    expect(await store.insertCalls(rows)).toBe(0);
    const dups = [makeRow({ request_id: 'dup-1' }), makeRow({ request_id: 'dup-1' })];
    expect(await store.insertCalls(dups)).toBe(1);
    const [row] = await store.queryReadOnly('SELECT count() AS n, uniqExact(request_id) AS ids FROM api_calls');
    expect(row).toEqual({ n: 301, ids: 301 });
  });

  it('runs the MISSION.md example queries unchanged', async () => {
    const perModel = await store.queryReadOnly(`SELECT model, COUNT(*) AS calls, SUM(estimated_cost_usd) AS total_cost,
       AVG(estimated_cache_hit_rate) AS avg_cache_hit_rate
FROM api_calls WHERE timestamp >= '2024-01-01' GROUP BY model;`);
    expect(perModel.reduce((n, r) => n + Number(r.calls), 0)).toBe(301);
    const slow = await store.queryReadOnly(`SELECT request_id, model, estimated_ttft_ms, estimated_tpot_ms,
       estimated_cache_hit_rate, actual_cache_hit_rate
FROM api_calls WHERE estimated_ttft_ms > 5000 ORDER BY timestamp DESC;`);
    expect(slow).toHaveLength(rows.filter((r) => (r.estimated_ttft_ms ?? 0) > 5000).length);
    const daily =
      await store.queryReadOnly(`SELECT model, date(timestamp) AS date, sum(actual_total_tokens) AS daily_tokens
FROM api_calls GROUP BY model, date(timestamp) ORDER BY date DESC;`);
    expect(daily.length).toBeGreaterThan(10);
  });

  it('64-bit integers come back as JSON numbers although the server quotes them by default', async () => {
    expect(await store.queryReadOnly('SELECT toUInt64(42) AS n')).toEqual([{ n: 42 }]);
    const raw = await admin.query({ query: 'SELECT toUInt64(42) AS n', format: 'JSONEachRow' });
    expect(await raw.json()).toEqual([{ n: '42' }]);
  });

  it('the rollup counts every call', async () => {
    expect(await store.queryReadOnly('SELECT sum(calls) AS calls FROM api_calls_hourly')).toEqual([{ calls: 301 }]);
  });

  it.each([
    ['SELECT 1; DROP TABLE api_calls', 'only one SELECT'],
    ['SELECT 1 SETTINGS readonly = 0', 'SETTINGS clauses are not allowed'],
    ['WITH x AS (SELECT 1) INSERT INTO api_calls (request_id) SELECT * FROM x', 'INSERT is not allowed'],
    ["SELECT * FROM url('http://127.0.0.1:9/x.csv', 'CSV', 'a String')", 'url() is not allowed'],
    ["SELECT file('/etc/passwd')", 'file() is not allowed'],
    ['SELECT * FROM system.users', 'reading system.users is not allowed'],
    ['SELECT * FROM schema_migrations', 'reading schema_migrations is not allowed'],
    ['SELECT * FROM default.api_calls', 'reading default.api_calls is not allowed'],
  ])('the sandbox refuses %j', async (sql, message) => {
    const err = await refusal(store.queryReadOnly(sql));
    expect(err.kind).toBe('invalid_sql');
    expect(err.message).toContain(message);
  });

  it(`the store's own database qualifies its tables: ${database}.api_calls is api_calls`, async () => {
    expect(await store.queryReadOnly(`SELECT count() AS n FROM ${database}.api_calls`)).toEqual([{ n: 301 }]);
  });

  it('per-request readonly=1 (with the limits in the same request) refuses writes at the server', async () => {
    const settings = readOnlySettings(resolveLimits({ maxRows: 10, timeoutSeconds: 5 }));
    const attempt = admin.command({
      query: `INSERT INTO ${database}.api_calls (request_id) VALUES ('smuggled')`,
      clickhouse_settings: settings,
    });
    await expect(attempt).rejects.toThrow(/readonly/i);
    const limited = admin.query({ query: 'SELECT number FROM numbers(100)', clickhouse_settings: settings });
    await expect(limited.then((r) => r.json())).rejects.toThrow(/Limit for result exceeded/);
  });

  it('the query user: reads go through it, its profile accepts our limits and refuses raising them or writing', async () => {
    if (!queryUser) {
      console.warn('skipped: this server gave no dedicated query user (see the warning above)');
      return;
    }
    const client = createClient({ url: writer.url, ...queryUser, database });
    try {
      const ours = readOnlySettings(resolveLimits({ maxRows: 50, timeoutSeconds: 10, maxThreads: 1, priority: 10 }));
      const ok = await client.query({
        query: 'SELECT count() AS n FROM api_calls',
        format: 'JSONEachRow',
        clickhouse_settings: ours,
      });
      expect(await ok.json()).toEqual([{ n: 301 }]);
      await expect(client.command({ query: "INSERT INTO api_calls (request_id) VALUES ('q')" })).rejects.toThrow(
        /readonly|ACCESS_DENIED|Not enough privileges/i,
      );
      if (mode === 'shim') {
        // The deploy profile's bounds (modelled by the shim as clickhouse-users.xml declares them).
        await expect(
          client.query({ query: 'SELECT 1', clickhouse_settings: { max_result_rows: '200000000' } }),
        ).rejects.toThrow(/shouldn't be greater than 100000000/);
        await expect(client.query({ query: 'SELECT 1', clickhouse_settings: { readonly: '0' } })).rejects.toThrow(
          /Cannot modify 'readonly' setting in readonly mode/,
        );
        await expect(
          client.query({ query: 'SELECT 1', clickhouse_settings: { max_rows_to_read: '5' } }),
        ).rejects.toThrow(/Cannot modify 'max_rows_to_read' setting in readonly mode/);
        const used = shim!.requests.filter((r) => r.statement.startsWith('SELECT formatQuerySingleLine'));
        expect(used.length).toBeGreaterThan(0);
        expect(new Set(used.map((r) => r.user))).toEqual(new Set([QUERY_USER]));
        const inserts = shim!.requests.filter((r) => r.statement.startsWith('INSERT INTO'));
        expect(inserts.some((r) => r.user === 'lessllm' && r.status === 200)).toBe(true);
        expect(inserts.filter((r) => r.user === QUERY_USER).map((r) => r.status)).toEqual([403]);
      }
    } finally {
      await client.close();
    }
  });

  it("ingestion runs at ClickHouse priority 1, users' SQL at the priority it is given (it waits for ingestion)", async () => {
    await store.queryReadOnly('SELECT count() FROM api_calls', { priority: 10 });
    if (mode !== 'shim') return; // the settings a request carried are only visible through the shim
    const inserts = shim!.requests.filter((r) => r.statement.startsWith('INSERT INTO') && r.user === 'lessllm');
    expect(inserts.length).toBeGreaterThan(0);
    expect(new Set(inserts.map((r) => r.settings.priority))).toEqual(new Set(['1']));
    const reads = shim!.requests.filter((r) => r.user === QUERY_USER && r.statement.startsWith('SELECT count()'));
    expect(reads.at(-1)?.settings.priority).toBe('10');
  });

  it('limits produce StoreQueryError', async () => {
    expect((await refusal(store.queryReadOnly('SELECT number FROM numbers(100)', { maxRows: 10 }))).kind).toBe(
      'too_many_rows',
    );
    const slow = 'SELECT count() FROM numbers(1000000000000) WHERE sipHash64(number) % 7 = 1';
    expect((await refusal(store.queryReadOnly(slow, { timeoutSeconds: 1 }))).kind).toBe('timeout');
    const big = "SELECT number, repeat('x', 100) AS pad FROM numbers(200000)";
    expect((await refusal(store.queryReadOnly(big, { maxRows: 1_000_000, maxResultBytes: 1024 * 1024 }))).kind).toBe(
      'result_too_large',
    );
    const hungry = 'SELECT length(groupArray(number)) AS n FROM numbers(100000000)';
    expect((await refusal(store.queryReadOnly(hungry, { maxMemoryBytes: 64 * 1024 * 1024 }))).kind).toBe(
      'memory_limit',
    );
  });

  it('exports parquet, csv and jsonl', async () => {
    const parquet = await collect(store.exportReadOnly('SELECT * FROM api_calls', 'parquet'));
    expect(parquet.subarray(0, 4).toString()).toBe('PAR1');
    const csv = (await collect(store.exportReadOnly('SELECT request_id FROM api_calls', 'csv'))).toString();
    expect(csv.split('\n')[0]).toBe('"request_id"');
    const jsonl = (await collect(store.exportReadOnly('SELECT request_id FROM api_calls LIMIT 3', 'jsonl'))).toString();
    expect(
      jsonl
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toHaveLength(3);
  });

  it('a client with request and response compression round-trips inserts and queries', async () => {
    const client = createClient({ ...writer, database, compression: { request: true, response: true } });
    try {
      await client.insert({ table: 'api_calls', values: [makeRow({ request_id: 'gzip-1' })], format: 'JSONEachRow' });
      const result = await client.query({
        query: 'SELECT request_id FROM api_calls WHERE request_id = {id:String}',
        query_params: { id: 'gzip-1' },
        format: 'JSONEachRow',
      });
      expect(await result.json()).toEqual([{ request_id: 'gzip-1' }]);
      if (shim) {
        const last = shim.requests.slice(-2);
        expect(last[0]).toMatchObject({ statement: 'INSERT INTO api_calls', requestEncoding: 'gzip' });
        expect(last[1]).toMatchObject({ responseEncoding: 'gzip' });
      }
    } finally {
      await client.close();
    }
  });
});
