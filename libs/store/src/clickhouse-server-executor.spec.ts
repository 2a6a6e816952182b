import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseServerExecutor } from './clickhouse-server-executor';
import { insertNewRows } from './insert-rows';
import { Migrator } from './migrations';
import { RollupKeeper } from './rollup/rollup-keeper';
import { makeRows } from './testing/rows';
import { makeTempDir, removeDir } from './testing/temp-dir';

/**
 * Smoke test of the server store's write path (@clickhouse/client command / query with query_params /
 * JSONEachRow insert) with chDB plugged in as the client's connection. NOT a ClickHouse server test: the
 * HTTP layer (URL parameters, per-request settings, readonly) is not exercised; that is
 * clickhouse-server-call-store.spec.ts, which needs CLICKHOUSE_URL.
 */
const dir = makeTempDir('client-over-chdb');
let client: ClickHouseClient;
let db: ClickHouseServerExecutor;

beforeAll(async () => {
  // A variable specifier: this repo's moduleResolution (node10) cannot resolve package "exports" subpaths, and
  // chdb's Connection type is declared against its own copy of @clickhouse/client-common, so type it as ours.
  const specifier = 'chdb/connection';
  const { createChdbConnection } = (await import(specifier)) as {
    createChdbConnection: (options: { path: string }) => NonNullable<Parameters<typeof createClient>[0]>['connection'];
  };
  client = createClient({ connection: createChdbConnection({ path: dir }) });
  db = new ClickHouseServerExecutor(client);
});

afterAll(async () => {
  await client?.close();
  removeDir(dir);
});

describe('ClickHouseServerExecutor over @clickhouse/client (engine: chDB via chdb/connection)', () => {
  it('applies the migrations', async () => {
    expect(await new Migrator(db).migrate()).toEqual([
      '0001_api_calls',
      '0002_api_calls_hourly',
      '0003_response_cache_columns',
      '0004_response_cache_similarity',
      '0005_router_columns',
      '0006_upstream_format',
      '0007_truncated_bodies',
      '0008_cache_write_ttl_unknown',
    ]);
    expect(await new Migrator(db).migrate()).toEqual([]);
  });

  it('inserts idempotently with bound lookups', async () => {
    const rows = makeRows(120);
    expect((await insertNewRows(db, rows)).inserted).toBe(120);
    expect((await insertNewRows(db, [...rows, ...makeRows(3, 'extra')])).inserted).toBe(3);
    expect(await db.select<{ n: unknown }>('SELECT count() AS n FROM api_calls')).toEqual([{ n: 123 }]);
  });

  it('the rollup heals on a redelivery and repairs, through the client (DELETE, INSERT SELECT, the drift SELECT)', async () => {
    const keeper = new RollupKeeper();
    const april = { from: new Date('2024-04-01T00:00:00Z'), to: new Date('2024-05-01T00:00:00Z') };
    const lost = makeRows(60, 'lost', '2024-04');
    await db.command('ALTER TABLE api_calls_hourly ADD CONSTRAINT lost_part CHECK 0');
    await expect(keeper.insertCalls(db, lost)).rejects.toThrow(/lost_part/);
    await db.command('ALTER TABLE api_calls_hourly DROP CONSTRAINT lost_part');
    const drift = await keeper.check(db, april);
    expect(drift.reduce((n, d) => n + d.expected.calls - d.actual.calls, 0)).toBe(60);

    expect(await keeper.insertCalls(db, lost.slice(0, 10))).toBe(0); // a redelivered part of the batch
    const left = await keeper.check(db, april);
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThan(drift.length);

    const repair = await keeper.repair(db, april);
    expect(repair.found).toEqual(left);
    expect(repair.remaining).toEqual([]);
    expect(await keeper.check(db, april)).toEqual([]);
    expect(keeper.snapshot()).toMatchObject({ heals: 1, unsettledHours: 0 });
  });
});
