import { ClickHouseError, createClient, type ClickHouseClient } from '@clickhouse/client';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseHttpShim, type RunningShim } from './clickhouse-http-shim';
import { makeTempDir, removeDir } from './temp-dir';

/** The shim behaves like a server where the server store depends on it (so the store suite through it counts). */
const dir = makeTempDir('http-shim');
let shim: RunningShim;
let client: ClickHouseClient;

async function thrown(promise: Promise<unknown>): Promise<ClickHouseError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClickHouseError);
  return err as ClickHouseError;
}

beforeAll(async () => {
  shim = await startClickHouseHttpShim({
    dataDir: dir,
    users: { default: { password: 'pw' }, reader: { password: 'r', profile: { readonly: 1 } } },
  });
  client = createClient({ url: shim.url, username: 'default', password: 'pw' });
});

afterAll(async () => {
  await client?.close();
  await shim?.close();
  removeDir(dir);
});

describe('the ClickHouse HTTP shim', () => {
  it('answers /ping and SELECTs with the headers the client reads', async () => {
    expect((await client.ping()).success).toBe(true);
    const result = await client.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow', query_id: 'q-1' });
    expect(await result.json()).toEqual([{ one: 1 }]);
    expect(result.query_id).toBe('q-1');
    expect(result.response_headers['x-clickhouse-query-id']).toBe('q-1');
    const summary = await client.command({ query: 'CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a' });
    expect(summary.summary).toMatchObject({ read_rows: expect.any(String) });
  });

  it('errors become the client ClickHouseError with code and type', async () => {
    const err = await thrown(client.query({ query: 'SELECT (1' }));
    expect(err.code).toBe('62');
    expect(err.type).toBe('SYNTAX_ERROR');
    expect((await thrown(client.query({ query: 'SELECT * FROM nowhere' }))).type).toBe('UNKNOWN_TABLE');
  });

  it('refuses a second statement, as the HTTP interface does (chDB alone would run both)', async () => {
    const err = await thrown(client.command({ query: 'SELECT 1; DROP TABLE t' }));
    expect(err.message).toContain('Multi-statements are not allowed');
    expect(await (await client.query({ query: 'EXISTS TABLE t', format: 'JSONEachRow' })).json()).toEqual([
      { result: 1 },
    ]);
  });

  it('refuses wrong passwords and unknown users with AUTHENTICATION_FAILED', async () => {
    for (const [username, password] of [
      ['default', 'nope'],
      ['nobody', ''],
    ]) {
      const wrong = createClient({ url: shim.url, username, password });
      expect((await thrown(wrong.query({ query: 'SELECT 1' }))).type).toBe('AUTHENTICATION_FAILED');
      await wrong.close();
    }
  });

  it("applies the user's profile: a readonly user cannot write or lower readonly; unknown settings are errors", async () => {
    const reader = createClient({ url: shim.url, username: 'reader', password: 'r' });
    try {
      expect((await thrown(reader.command({ query: 'INSERT INTO t VALUES (1)' }))).type).toBe('READONLY');
      expect((await thrown(reader.query({ query: 'SELECT 1', clickhouse_settings: { readonly: '0' } }))).type).toBe(
        'READONLY',
      );
      // A server quotes 64-bit integers in JSON by default (chDB does not): the shim answers like a server.
      expect(await (await reader.query({ query: 'SELECT count() AS n FROM t', format: 'JSONEachRow' })).json()).toEqual(
        [{ n: '0' }],
      );
    } finally {
      await reader.close();
    }
    const unknown = await thrown(client.query({ query: 'SELECT 1', clickhouse_settings: { no_such_setting: 1 } }));
    expect(unknown.type).toBe('UNKNOWN_SETTING');
  });

  it('a GET query is read-only, as on a server', async () => {
    const res = await request(`${shim.url}/?query=${encodeURIComponent('INSERT INTO t VALUES (2)')}`, {
      headers: { authorization: `Basic ${Buffer.from('default:pw').toString('base64')}` },
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['x-clickhouse-exception-code']).toBe('164');
    expect(await res.body.text()).toContain('readonly');
  });

  it('compresses a response only when asked (enable_http_compression=1 and Accept-Encoding)', async () => {
    const gz = createClient({ url: shim.url, username: 'default', password: 'pw', compression: { response: true } });
    try {
      expect(await (await gz.query({ query: 'SELECT 2 AS two', format: 'JSONEachRow' })).json()).toEqual([{ two: 2 }]);
      expect(shim.requests.at(-1)?.responseEncoding).toBe('gzip');
    } finally {
      await gz.close();
    }
    await client.query({ query: 'SELECT 3', format: 'JSONEachRow' }).then((r) => r.json());
    expect(shim.requests.at(-1)?.responseEncoding).toBeUndefined();
  });

  it('says plainly what it does not implement (HTTP sessions)', async () => {
    const err = await thrown(client.query({ query: 'SELECT 1', session_id: 's-1' }));
    expect(err.message).toContain('no HTTP sessions');
  });
});
