import { ApiExceptionFilter } from '@lessllm/http';
import { createLogger, parseConfig } from '@lessllm/shared';
import { ChdbCallStore } from '@lessllm/store';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Session } from 'chdb';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCalls } from '../../../../test/support/grafana/generated-calls';
import { AnalyticsModule } from './analytics.module';

/** The analytics HTTP API on the embedded engine, with small limits so each one can be hit in a test. */
const ADMIN_KEY = 'analytics-api-admin';
const dir = mkdtempSync(join(tmpdir(), 'lessllm-analytics-api-'));
/** A file and a table the API must never show (markers searched for in every refusal). */
const secretFile = join(dir, 'secret.txt');
const FILE_SECRET = 'FILE-SECRET-4b1d';
const TABLE_SECRET = 'TABLE-SECRET-93ac';
const loaded = parseConfig(
  {
    auth: { admin_key: ADMIN_KEY },
    analytics: {
      max_result_rows: 1000,
      max_result_mb: 1,
      max_memory_mb: 64,
      timeout_s: 1,
      max_concurrent: 1,
      max_queued: 1,
      queue_timeout_s: 0.4,
      export_max_rows: 150,
    },
  },
  {},
  true,
  'analytics-api.spec',
);
const calls = generateCalls().slice(0, 200);
let store: ChdbCallStore;
let app: NestFastifyApplication;
let base: string;

async function post(sql: string, extra: Record<string, unknown> = {}) {
  const res = await request(`${base}/v1/analytics/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql, ...extra }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, text, json: JSON.parse(text) as Record<string, any> };
}

const SLOW = 'SELECT count() FROM numbers(1000000000000) WHERE sipHash64(number) % 7 = 1';

beforeAll(async () => {
  store = new ChdbCallStore(dir);
  await store.migrate();
  expect(await store.insertCalls(calls)).toBe(calls.length);
  writeFileSync(secretFile, FILE_SECRET);
  const admin = new Session(dir);
  await admin.queryAsync('CREATE TABLE secret (s String) ENGINE = MergeTree ORDER BY s');
  await admin.queryAsync(`INSERT INTO secret VALUES ('${TABLE_SECRET}')`);
  admin.close();
  app = await NestFactory.create<NestFastifyApplication>(
    AnalyticsModule.forStore(loaded, store),
    new FastifyAdapter(),
    {
      logger: false,
    },
  );
  app.useGlobalFilters(new ApiExceptionFilter(createLogger('analytics-api-spec', 'silent'), 1));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('POST /v1/analytics/query', () => {
  it('answers the rows ClickHouse wrote, as JSON, with row_count', async () => {
    const res = await post('SELECT model, count() AS calls FROM api_calls GROUP BY model ORDER BY model');
    expect(res.status).toBe(200);
    const models = [...new Set(calls.map((c) => c.model))].sort();
    expect(res.json.rows.map((r: { model: string }) => r.model)).toEqual(models);
    expect(res.json.rows.reduce((n: number, r: { calls: number }) => n + r.calls, 0)).toBe(calls.length);
    expect(res.json.row_count).toBe(models.length);
  });

  it('strings, numbers and nulls survive the byte-level assembly', async () => {
    const res = await post(
      `SELECT 'a"b\\nc\\\\d' AS s, '日本 /x' AS u, nan AS n, 18446744073709551615 AS big, [1.5] AS a`,
    );
    expect(res.json).toEqual({
      rows: [{ s: 'a"b\nc\\d', u: '日本 /x', n: null, big: 18446744073709552000, a: [1.5] }],
      row_count: 1,
    });
    expect((await post('SELECT 1 WHERE 0')).json).toEqual({ rows: [], row_count: 0 });
  });

  it('the sandbox refuses scalar file() with a 400 that names the problem and leaks nothing', async () => {
    const res = await post("SELECT file('/etc/passwd')");
    expect(res.status).toBe(400);
    expect(res.text).toContain('file() is not allowed: it reads files');
    expect(res.text).not.toContain('root:');
  });

  const F = () => `'${secretFile}'`;
  it.each<[string, () => string, RegExp]>([
    ['scalar file() on /etc/passwd', () => "SELECT file('/etc/passwd')", /file\(\) is not allowed: it reads files/],
    ['scalar file() on a known file', () => `SELECT file(${F()})`, /file\(\) is not allowed/],
    ['file table function', () => `SELECT * FROM file(${F()}, 'LineAsString')`, /table function file\(\)/],
    ['url()', () => "SELECT * FROM url('http://127.0.0.1:9/x', 'CSV', 'a String')", /url\(\) is not allowed/],
    ['executable()', () => "SELECT * FROM executable('cat /etc/passwd', 'TSV', 'a String')", /executable\(\)/],
    ['remote()', () => "SELECT * FROM remote('127.0.0.1:9000', default.secret)", /remote\(\) is not allowed/],
    ['merge()', () => "SELECT * FROM merge('default', '^secret$')", /merge\(\) is not allowed/],
    ['another table', () => 'SELECT * FROM secret', /reading secret is not allowed/],
    ['a qualified other table', () => 'SELECT * FROM `default`.secret', /reading default.secret is not allowed/],
    ['system.settings', () => 'SELECT name, value FROM system.settings', /reading system.settings is not allowed/],
    ['system.users', () => 'SELECT * FROM system.users', /reading system.users is not allowed/],
    ['system.query_log', () => 'SELECT query FROM system.query_log', /reading system.query_log is not allowed/],
    ['system.tables, upper case', () => 'SELECT name FROM SYSTEM.TABLES', /reading SYSTEM.TABLES is not allowed/],
    ['INFORMATION_SCHEMA', () => 'SELECT * FROM INFORMATION_SCHEMA.TABLES', /is not allowed/],
    ['introspection: addressToSymbol', () => 'SELECT addressToSymbol(1)', /introspection or internal/],
    ['introspection: demangle', () => "SELECT demangle('_Z1fv')", /introspection or internal/],
    ['server settings', () => "SELECT getServerSetting('path')", /server configuration/],
    ['dictionaries', () => "SELECT dictGet('d', 'v', 1)", /dictionaries/],
    ['SETTINGS readonly = 0', () => 'SELECT 1 SETTINGS readonly = 0', /SETTINGS clauses are not allowed/],
    [
      'SETTINGS max_result_rows raised',
      () => 'SELECT number FROM numbers(5000) SETTINGS max_result_rows = 0, readonly = 0',
      /SETTINGS clauses are not allowed/,
    ],
    ['SET as a second statement', () => 'SELECT 1; SET readonly = 0', /only one SELECT or WITH statement/],
    ['INTO OUTFILE', () => "SELECT 1 INTO OUTFILE '/tmp/lessllm-x'", /INTO OUTFILE is not allowed/],
    ['a write', () => 'WITH x AS (SELECT 1) INSERT INTO api_calls SELECT * FROM x', /INSERT is not allowed/],
    ['mixed case', () => `SELECT FiLe(${F()})`, /FiLe\(\) is not allowed/],
    ['backquoted name', () => `SELECT \`file\`(${F()})`, /file\(\) is not allowed/],
    ['escape in a quoted name', () => `SELECT \`fi\\x6ce\`(${F()})`, /file\(\) is not allowed/],
    ['comment before the parenthesis', () => `SELECT file/* ( */(${F()})`, /file\(\) is not allowed/],
    ['-- comment and newline', () => `SELECT file -- )\n(${F()})`, /file\(\) is not allowed/],
    ['nested comments', () => `SELECT /* /* */ 1, */ file(${F()})`, /file\(\) is not allowed/],
    ['APPLY transformer', () => `SELECT * APPLY(file) FROM (SELECT ${F()} AS p)`, /APPLY file is not allowed/],
    ['FROM-first syntax', () => 'FROM secret SELECT s', /must start with SELECT or WITH/],
    ['FROM-first in a subquery', () => 'SELECT * FROM (FROM secret SELECT s)', /reading secret is not allowed/],
    ['file as a table (chDB)', () => `SELECT * FROM \`${secretFile}\``, /is not allowed/],
    ['IN a table', () => `SELECT 1 WHERE '${TABLE_SECRET}' IN secret`, /reading secret is not allowed/],
    ['UNION branch', () => 'SELECT 1 UNION ALL SELECT s FROM secret', /reading secret is not allowed/],
  ])('the sandbox refuses %s with a 400 naming the problem, leaking nothing', async (_name, sql, problem) => {
    const res = await post(sql());
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('sql_refused');
    expect(res.json.error.message).toMatch(problem);
    for (const leak of [FILE_SECRET, TABLE_SECRET, 'root:', '/bin/', dir.replace(/^\/tmp\//, '')])
      if (!sql().includes(leak)) expect(res.text).not.toContain(leak);
  });

  it('a refused query leaves nothing behind: the API still answers and reads only api_calls', async () => {
    const res = await post('SELECT count() AS n FROM api_calls');
    expect(res.json).toEqual({ rows: [{ n: calls.length }], row_count: 1 });
  });

  it('max_rows above analytics.max_result_rows is refused; a result over max_rows names the limit', async () => {
    const over = await post('SELECT 1', { max_rows: 1001 });
    expect(over.status).toBe(400);
    expect(over.text).toContain('analytics.max_result_rows');
    const rows = await post('SELECT number FROM numbers(50)', { max_rows: 10 });
    expect(rows.status).toBe(400);
    expect(rows.json.error.code).toBe('result_too_many_rows');
    expect(rows.json.error.message).toContain('more than 10 rows');
  });

  it('a result over analytics.max_result_mb is a 400 naming it', async () => {
    const res = await post("SELECT repeat('x', 5000) AS pad FROM numbers(400)");
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('result_too_large');
    expect(res.json.error.message).toContain('larger than 1 MB (analytics.max_result_mb)');
    expect((await post("SELECT repeat('x', 5000) AS pad FROM numbers(100)")).status).toBe(200);
  });

  it('a query over analytics.max_memory_mb is a 400 naming it (groupArray over 100M rows)', async () => {
    const res = await post('SELECT length(groupArray(number)) AS n FROM numbers(100000000)');
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('query_memory_limit');
    expect(res.json.error.message).toContain('64 MB of memory in ClickHouse (analytics.max_memory_mb)');
  });

  it('a query over analytics.timeout_s is a 400 naming it', async () => {
    const res = await post(SLOW);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('query_timeout');
    expect(res.json.error.message).toContain('analytics.timeout_s');
  });

  it('beyond analytics.max_concurrent queries wait briefly, then are refused with 503', async () => {
    // One runs (1 s, until its timeout), one waits in the queue (0.4 s, then refused), the third finds it full.
    const running = post(SLOW);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const queued = post('SELECT 1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const full = await post('SELECT 1');
    expect(full.status).toBe(503);
    expect(full.json.error.code).toBe('analytics_busy');
    expect(full.json.error.message).toContain('analytics.max_queued 1');
    const waited = await queued;
    expect(waited.status).toBe(503);
    expect(waited.json.error.message).toContain('analytics.queue_timeout_s');
    expect((await running).json.error.code).toBe('query_timeout');
    // The slot is back: the next query runs.
    expect((await post('SELECT 1 AS one')).json).toEqual({ rows: [{ one: 1 }], row_count: 1 });
  });
});

describe('GET /v1/analytics/usage and /export', () => {
  it('usage runs the built-in SQL under the same limits', async () => {
    const res = await request(`${base}/v1/analytics/usage?days=3650`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(res.statusCode).toBe(200);
    const body = (await res.body.json()) as { rows: { calls: number }[] };
    expect(body.rows.reduce((n, r) => n + r.calls, 0)).toBe(calls.length);
  });

  it('export streams every row as jsonl and frees its slot', async () => {
    const model = calls[0].model;
    const expected = calls.filter((c) => c.model === model).length;
    expect(expected).toBeLessThanOrEqual(150);
    const res = await request(`${base}/v1/analytics/export?format=jsonl&model=${encodeURIComponent(model)}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(res.statusCode).toBe(200);
    const lines = (await res.body.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(expected);
    expect((await post('SELECT 1 AS one')).status).toBe(200);
  });

  it('an export over analytics.export_max_rows is a 400 naming it, and frees its slot', async () => {
    const res = await request(`${base}/v1/analytics/export?format=jsonl`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    const body = (await res.body.json()) as { error: { code: string; message: string } };
    expect(res.statusCode).toBe(400);
    expect(body.error.code).toBe('result_too_many_rows');
    expect(body.error.message).toContain('more than 150 rows (analytics.export_max_rows)');
    expect((await post('SELECT 1 AS one')).status).toBe(200);
  });
});
