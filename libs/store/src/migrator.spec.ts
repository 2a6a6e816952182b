import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbCallStore } from './chdb-call-store';
import { ChdbSqlExecutor } from './chdb-executor';
import { apiCallsTtlStatement, MIGRATIONS, Migrator } from './migrations';
import { makeRow, makeRows } from './testing/rows';
import { makeTempDir, removeDir } from './testing/temp-dir';

const dir = makeTempDir('chdb-migrations');
let store: ChdbCallStore;
let session: Session;
let migrator: Migrator;
const ALL = [
  '0001_api_calls',
  '0002_api_calls_hourly',
  '0003_response_cache_columns',
  '0004_response_cache_similarity',
  '0005_router_columns',
  '0006_upstream_format',
  '0007_truncated_bodies',
  '0008_cache_write_ttl_unknown',
];

async function rowsOf(sql: string): Promise<Record<string, unknown>[]> {
  const text = (await session.queryAsync(sql, { format: 'JSONEachRow' })).text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

async function tables(): Promise<string[]> {
  const found = await rowsOf("SELECT name FROM system.tables WHERE database = 'default' ORDER BY name");
  return found.map((r) => String(r.name));
}

beforeAll(async () => {
  store = new ChdbCallStore(dir);
  await store.open();
  session = new Session(dir);
  migrator = new Migrator(new ChdbSqlExecutor(session));
});

afterAll(async () => {
  session?.close();
  await store?.close();
  removeDir(dir);
});

describe('migrations on chDB', () => {
  it('apply in order, then a re-run is a no-op', async () => {
    expect(MIGRATIONS.map((m) => m.id)).toEqual(ALL);
    expect(await store.migrate()).toEqual(ALL);
    expect(await store.migrate()).toEqual([]);
    expect(await migrator.applied()).toEqual(ALL);
    expect(await tables()).toEqual(['api_calls', 'api_calls_hourly', 'api_calls_hourly_mv', 'schema_migrations']);
    const log = await rowsOf('SELECT id, applied FROM schema_migrations ORDER BY id');
    expect(log).toEqual(ALL.map((id) => ({ id, applied: true })));
  });

  it('concurrent runs (same process and another connection) apply nothing twice and do not fail', async () => {
    const results = await Promise.all([store.migrate(), migrator.migrate(), store.migrate()]);
    expect(results).toEqual([[], [], []]);
  });

  it('api_calls has exactly the ApiCallRow columns plus ingested_at, with the chosen types', async () => {
    const columns = await rowsOf('DESCRIBE TABLE api_calls');
    // Columns added by later migrations come after ingested_at; the set is what matters.
    expect(columns.map((c) => c.name).sort()).toEqual([...Object.keys(makeRow()), 'ingested_at'].sort());
    const type = (name: string): unknown => columns.find((c) => c.name === name)?.type;
    expect(type('timestamp')).toBe("DateTime64(3, 'UTC')");
    expect(type('model')).toBe('LowCardinality(String)');
    expect(type('error_type')).toBe('LowCardinality(Nullable(String))');
    expect(type('actual_prompt_tokens')).toBe('Nullable(UInt32)');
    expect(type('estimated_cost_usd')).toBe('Nullable(Float64)');
    expect(type('is_streaming')).toBe('Bool');
    expect(type('total_latency_ms')).toBe('Float64');
    const [table] = await rowsOf(
      "SELECT engine, sorting_key, partition_key FROM system.tables WHERE name = 'api_calls'",
    );
    expect(table).toEqual({
      engine: 'ReplacingMergeTree',
      sorting_key: 'toDate(timestamp), model, user_id, request_id',
      partition_key: 'toYYYYMM(timestamp)',
    });
  });

  it('the retention TTL can be set and removed later', async () => {
    await session.queryAsync(apiCallsTtlStatement(90));
    const [withTtl] = await rowsOf("SELECT create_table_query AS q FROM system.tables WHERE name = 'api_calls'");
    expect(String(withTtl.q)).toContain('TTL toDateTime(timestamp) + toIntervalDay(90)');
    await session.queryAsync(apiCallsTtlStatement(null));
    const [without] = await rowsOf("SELECT create_table_query AS q FROM system.tables WHERE name = 'api_calls'");
    expect(String(without.q)).not.toContain('TTL');
    expect(() => apiCallsTtlStatement(0)).toThrow(/positive integer/);
  });

  it('rollback runs the down statements newest first and a later migrate re-applies', async () => {
    expect(await migrator.rollback(ALL.length)).toEqual([...ALL].reverse());
    expect(await tables()).toEqual(['schema_migrations']);
    expect(await migrator.applied()).toEqual([]);
    expect(await store.migrate()).toEqual(ALL);
    expect(await tables()).toEqual(['api_calls', 'api_calls_hourly', 'api_calls_hourly_mv', 'schema_migrations']);
  });

  it('re-applying the rollup migration backfills rows stored before it, once', async () => {
    expect(await store.insertCalls(makeRows(40))).toBe(40);
    // Everything after 0001, so 0002 (the rollup) is re-applied.
    expect(await migrator.rollback(ALL.length - 1)).toEqual(ALL.slice(1).reverse());
    expect(await store.migrate()).toEqual(ALL.slice(1));
    expect(await rowsOf('SELECT sum(calls) AS calls FROM api_calls_hourly')).toEqual([{ calls: 40 }]);
    // The view is live again: new rows arrive in the rollup, and the backfill does not run twice.
    expect(await store.insertCalls(makeRows(5, 'later'))).toBe(5);
    expect(await rowsOf('SELECT sum(calls) AS calls FROM api_calls_hourly')).toEqual([{ calls: 45 }]);
  });
});
