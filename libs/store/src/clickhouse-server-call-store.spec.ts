import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { existsSync } from 'node:fs';
import type { StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClickHouseServerCallStore } from './clickhouse-server-call-store';
import { readOnlySettings } from './read-only-settings';
import { collect, refusal } from './testing/assertions';
import { makeRow, makeRows } from './testing/rows';

/**
 * The same contract as the chDB suite, against a real ClickHouse server (24.x+); it creates and drops its own
 * database. The server is CLICKHOUSE_URL when set (e.g. http://default:@localhost:8123 from docker-compose),
 * otherwise a throwaway clickhouse/clickhouse-server:24.8 container started with testcontainers. Without either
 * (no CLICKHOUSE_URL and no reachable Docker engine) the suite says so in one line and skips.
 */
const IMAGE = 'clickhouse/clickhouse-server:24.8';
const CONTAINER_USER = 'lessllm';
const CONTAINER_PASSWORD = 'lessllm-test';
/** How long to wait for the Docker engine to answer before calling it unreachable. */
const DOCKER_PROBE_MS = 5_000;

let url = process.env.CLICKHOUSE_URL;
let container: StartedTestContainer | undefined;
let skipReason: string | null = null;

/** null when a Docker engine answers, else why not (testcontainers tries DOCKER_HOST, the socket, ...). */
async function dockerProblem(): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${DOCKER_PROBE_MS} ms`)), DOCKER_PROBE_MS);
      }),
    ]);
    return null;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const host = process.env.DOCKER_HOST;
    const socket = existsSync('/var/run/docker.sock') ? 'exists' : 'does not exist';
    return `${message}; DOCKER_HOST ${host ? `is ${host}` : 'is not set'}, /var/run/docker.sock ${socket}`;
  } finally {
    clearTimeout(timer);
  }
}

async function startClickHouse(): Promise<string> {
  const { GenericContainer, Wait } = await import('testcontainers');
  container = await new GenericContainer(IMAGE)
    .withEnvironment({
      CLICKHOUSE_USER: CONTAINER_USER,
      CLICKHOUSE_PASSWORD: CONTAINER_PASSWORD,
      CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT: '1',
    })
    .withUlimits({ nofile: { soft: 262_144, hard: 262_144 } })
    .withExposedPorts(8123)
    .withWaitStrategy(Wait.forHttp('/ping', 8123).forStatusCode(200))
    .withStartupTimeout(120_000)
    .start();
  return `http://${CONTAINER_USER}:${CONTAINER_PASSWORD}@${container.getHost()}:${container.getMappedPort(8123)}`;
}

const database = `lessllm_test_${process.pid}_${Date.now()}`;
let admin: ClickHouseClient | undefined;
let store: ClickHouseServerCallStore;
const rows = makeRows(300);

describe('ClickHouseServerCallStore (ClickHouse server: CLICKHOUSE_URL or a testcontainers container)', () => {
  beforeAll(async () => {
    if (!url) {
      const problem = await dockerProblem();
      if (problem) {
        skipReason = `ClickHouse server tests skipped: CLICKHOUSE_URL is not set and no Docker engine is reachable (${problem})`;
        console.warn(skipReason);
        return;
      }
      url = await startClickHouse();
    }
    admin = createClient({ url });
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    store = new ClickHouseServerCallStore({ url, database });
  }, 300_000); // a first run pulls the image

  beforeEach((ctx) => {
    if (skipReason) ctx.skip();
  });

  afterAll(async () => {
    await store?.close();
    await admin?.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await admin?.close();
    await container?.stop();
  }, 60_000);

  it('pings', async () => {
    expect(await store.ping()).toBe(true);
  });

  it('migrations apply once', async () => {
    expect(await store.migrate()).toEqual([
      '0001_api_calls',
      '0002_api_calls_hourly',
      '0003_response_cache_columns',
      '0004_response_cache_similarity',
      '0005_router_columns',
    ]);
    expect(await store.migrate()).toEqual([]);
  });

  it('inserts idempotently', async () => {
    expect(await store.insertCalls(rows)).toBe(300);
    expect(await store.insertCalls(rows)).toBe(0);
    const dups = [makeRow({ request_id: 'dup-1' }), makeRow({ request_id: 'dup-1' })];
    expect(await store.insertCalls(dups)).toBe(1);
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

  it('the rollup counts every call', async () => {
    expect(await store.queryReadOnly('SELECT sum(calls) AS calls FROM api_calls_hourly')).toEqual([{ calls: 301 }]);
  });

  it.each([
    ['SELECT 1; DROP TABLE api_calls', 'invalid_sql'],
    ['SELECT 1 SETTINGS readonly = 0', 'invalid_sql'],
    ['WITH x AS (SELECT 1) INSERT INTO api_calls (request_id) SELECT * FROM x', 'invalid_sql'],
    ["SELECT * FROM url('http://127.0.0.1:9/x.csv', 'CSV', 'a String')", 'readonly'],
    ["SELECT * FROM file('x.csv', 'CSV', 'a String')", 'readonly'],
  ])('refuses %j (%s)', async (sql, kind) => {
    expect((await refusal(store.queryReadOnly(sql))).kind).toBe(kind);
  });

  it('per-request readonly=1 (with the limits in the same request) refuses writes at the server', async () => {
    const settings = readOnlySettings({ maxRows: 10, timeoutSeconds: 5 });
    const attempt = admin!.command({
      query: `INSERT INTO ${database}.api_calls (request_id) VALUES ('smuggled')`,
      clickhouse_settings: settings,
    });
    await expect(attempt).rejects.toThrow(/readonly/i);
    const limited = admin!.query({ query: 'SELECT number FROM numbers(100)', clickhouse_settings: settings });
    await expect(limited.then((r) => r.json())).rejects.toThrow(/Limit for result exceeded/);
  });

  it('limits produce StoreQueryError', async () => {
    expect((await refusal(store.queryReadOnly('SELECT number FROM numbers(100)', { maxRows: 10 }))).kind).toBe(
      'too_many_rows',
    );
    const slow = 'SELECT count() FROM numbers(1000000000000) WHERE sipHash64(number) % 7 = 1';
    expect((await refusal(store.queryReadOnly(slow, { timeoutSeconds: 1 }))).kind).toBe('timeout');
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
});
