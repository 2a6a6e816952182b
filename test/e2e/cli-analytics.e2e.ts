import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../fakes';
import { CLI, ensureCliBuilt, runCli, type CliResult } from '../support/cli';
import type { FakeOpenAI } from '../support/harness';
import { freePort } from '../support/proxies';

// The analytics commands of the built CLI as a user runs them: against `lessllm server` over HTTP (--url), then
// directly on the same chDB folder once the server has stopped.
const ADMIN_KEY = 'admin-key-cli-analytics';
const CALLER_KEY = 'caller-key-cli-analytics';
const SERVED = { 'gpt-4': 'gpt-4-0613', mini: 'gpt-4o-mini' } as const;

let fake: FakeOpenAI;
let dir: string;
let config: string;
let port: number;
let url: string;
let server: Server;

/** Runs the CLI with HOME in the test folder. */
const cli = (args: string[], timeoutMs?: number) => runCli(args, { home: dir, timeoutMs });

const remote = () => ['--url', url, '--admin-key', ADMIN_KEY];

/** `lessllm query <sql> --json ...` parsed; fails with the CLI's stderr when it did not exit 0. */
async function queryJson(sql: string, source: string[]): Promise<Record<string, unknown>[]> {
  const res = await cli(['query', sql, '--json', ...source]);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as Record<string, unknown>[];
}

/** Polls fn until check(value) holds (expect.poll is for tests, not hooks). */
async function until<T>(fn: () => T | Promise<T>, check: (value: T) => boolean, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

const nonEmptyLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

interface Server {
  child: ChildProcess;
  url: string;
  out: () => string;
  err: () => string;
}
const servers: Server[] = [];

/** `lessllm server --port P --config FILE`, resolved once it has printed where the analytics API is. */
async function startServer(configFile: string, serverPort: number): Promise<Server> {
  const child = spawn(
    process.execPath,
    [CLI, 'server', '--port', String(serverPort), '--host', '127.0.0.1', '--config', configFile],
    { env: { PATH: process.env.PATH ?? '', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const started: Server = { child, url: `http://127.0.0.1:${serverPort}`, out: () => out, err: () => err };
  servers.push(started);
  await until(
    () => (child.exitCode === null ? out : `exited ${child.exitCode}: ${err}`),
    (text) => text.includes(`analytics API at ${started.url}/v1/analytics`) || text.startsWith('exited'),
    '`lessllm server` start-up',
    30_000,
  );
  if (child.exitCode !== null) throw new Error(`lessllm server exited ${child.exitCode}: ${err}`);
  return started;
}

/** SIGTERM; resolves with the exit code (null when the signal killed it) and the signal. */
function stopServer(server: Server): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  child.kill('SIGTERM');
  return exited;
}

function writeConfig(file: string, dataDir: string, batchMaxWaitMs: number): void {
  writeFileSync(
    file,
    [
      'providers:',
      `  openai: { type: openai, base_url: "${fake.url}/v1", api_key: "sk-fake-openai" }`,
      'models:',
      ...Object.entries(SERVED).map(([alias, model]) => `  "${alias}": { provider: openai, model: "${model}" }`),
      'auth:',
      `  admin_key: "${ADMIN_KEY}"`,
      `  keys: [{ key: "${CALLER_KEY}", tenant: "team-cli" }]`,
      `storage: { data_dir: "${dataDir}" }`,
      `analyzer: { batch_size: 100, batch_max_wait_ms: ${batchMaxWaitMs} }`,
      'server: { log_level: warn }',
      '',
    ].join('\n'),
  );
}

beforeAll(async () => {
  // `npm run test:all` builds first; a bare `npm test` builds here so the CLI is always the current code.
  ensureCliBuilt();
  fake = await startFakeOpenAI();
  dir = mkdtempSync(join(tmpdir(), 'lessllm-cli-analytics-'));
  config = join(dir, 'lessllm.yaml');
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  writeConfig(config, join(dir, 'data'), 50);
}, 180_000);

afterAll(async () => {
  for (const { child } of servers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await fake?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('lessllm query / stats / export / migrate', { timeout: 60_000 }, () => {
  const requestIds: string[] = [];

  describe('against a running `lessllm server` (--url, --admin-key)', () => {
    beforeAll(async () => {
      server = await startServer(config, port);
      const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: CALLER_KEY, maxRetries: 0 });
      for (const [alias, times] of [
        ['gpt-4', 3],
        ['mini', 2],
      ] as const) {
        for (let i = 0; i < times; i++) {
          const { data, response } = await openai.chat.completions
            .create({ model: alias, messages: [{ role: 'user', content: `cli analytics ${alias} ${i}` }], user: 'cli' })
            .withResponse();
          expect(data.model).toBe(SERVED[alias]);
          requestIds.push(response.headers.get('x-request-id')!);
        }
      }
      // The embedded analyzer writes within batch_max_wait_ms; poll through the CLI itself.
      await until(
        async () => Number((await queryJson('SELECT count() AS n FROM api_calls', remote()))[0]?.n),
        (n) => n === 5,
        'the 5 calls in api_calls',
        15_000,
      );
    }, 90_000);

    it('query --json: rows as JSON on stdout', async () => {
      const rows = await queryJson(
        'SELECT model, count() AS calls FROM api_calls GROUP BY model ORDER BY model',
        remote(),
      );
      expect(rows).toEqual([
        { model: SERVED['gpt-4'], calls: 3 },
        { model: SERVED.mini, calls: 2 },
      ]);
    });

    it('query without --json prints a table naming the models', async () => {
      const res = await cli(['query', 'SELECT model, count() AS calls FROM api_calls GROUP BY model', ...remote()]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain(SERVED['gpt-4']);
      expect(res.stdout).toContain(SERVED.mini);
      expect(res.stdout).toMatch(/calls/);
      expect(() => JSON.parse(res.stdout) as unknown).toThrow();
    });

    it('stats --days 7 --json: calls, tokens and cost per model for today', async () => {
      const res = await cli(['stats', '--days', '7', '--json', ...remote()]);
      expect(res.code, res.stderr).toBe(0);
      const rows = JSON.parse(res.stdout) as Record<string, unknown>[];
      const byModel = Object.fromEntries(rows.map((r) => [String(r.model), r]));
      expect(Number(byModel[SERVED['gpt-4']]?.calls)).toBe(3);
      expect(Number(byModel[SERVED.mini]?.calls)).toBe(2);
      expect(Number(byModel[SERVED['gpt-4']].prompt_tokens)).toBeGreaterThan(0);
      expect(Number(byModel[SERVED['gpt-4']].errors)).toBe(0);
      expect(rows.every((r) => r.day === new Date().toISOString().slice(0, 10))).toBe(true);
    });

    it('export --out X.parquet --since --model writes a complete Parquet file', async () => {
      const out = join(dir, 'calls.parquet');
      const res = await cli(['export', '--out', out, '--since', '2024-01-01', '--model', SERVED['gpt-4'], ...remote()]);
      expect(res.code, res.stderr).toBe(0);
      const bytes = readFileSync(out);
      expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
      expect(bytes.subarray(-4).toString()).toBe('PAR1'); // footer magic: not truncated, nothing appended
      expect(res.stdout).toContain(`wrote ${bytes.length} bytes to ${out}`);
    });

    it('export to .csv and .jsonl: one row per call, filters applied', async () => {
      const csv = join(dir, 'calls.csv');
      const all = await cli(['export', '--out', csv, '--since', '2024-01-01', ...remote()]);
      expect(all.code, all.stderr).toBe(0);
      const lines = nonEmptyLines(csv);
      expect(lines[0]).toMatch(/^"request_id","timestamp","model"/);
      expect(lines).toHaveLength(1 + 5);
      expect(all.stdout).toContain(`wrote ${statSync(csv).size} bytes to ${csv}`);

      const csvGpt4 = join(dir, 'gpt4.csv');
      expect((await cli(['export', '--out', csvGpt4, '--model', SERVED['gpt-4'], ...remote()])).code).toBe(0);
      expect(nonEmptyLines(csvGpt4)).toHaveLength(1 + 3);

      const jsonl = join(dir, 'calls.jsonl');
      const res = await cli(['export', '--out', jsonl, ...remote()]);
      expect(res.code, res.stderr).toBe(0);
      const rows = nonEmptyLines(jsonl).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(rows.map((r) => r.request_id).sort()).toEqual([...requestIds].sort());
      expect(rows.every((r) => r.tenant === 'team-cli' && r.user_id === 'cli')).toBe(true);

      const jsonlMini = join(dir, 'mini.jsonl');
      expect((await cli(['export', '--out', jsonlMini, '--model', SERVED.mini, ...remote()])).code).toBe(0);
      const mini = nonEmptyLines(jsonlMini).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(mini.map((r) => r.model)).toEqual([SERVED.mini, SERVED.mini]);
    });

    const hasScript = existsSync('/usr/bin/script');
    if (!hasScript) console.warn('skipped "export on a terminal": /usr/bin/script (util-linux) is not installed');
    it.skipIf(!hasScript)('export on a terminal: the progress bar does not break it', async () => {
      // util-linux `script` gives the CLI a pseudo-terminal, so cli-progress draws (and must clear) its bar.
      const out = join(dir, 'tty.parquet');
      const command = [process.execPath, CLI, 'export', '--out', out, ...remote()]
        .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
        .join(' ');
      const res = await new Promise<CliResult>((done) => {
        const t0 = Date.now();
        const child = spawn('/usr/bin/script', ['-qec', command, '/dev/null'], {
          env: { PATH: process.env.PATH ?? '', HOME: dir, TERM: 'xterm' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.once('close', (code) => done({ code, stdout, stderr: '', ms: Date.now() - t0 }));
      });
      expect(res.code, res.stdout).toBe(0);
      expect(res.stdout).toContain('exporting');
      expect(res.stdout).toMatch(/wrote \d+ bytes/);
      const bytes = readFileSync(out);
      expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
      expect(bytes.subarray(-4).toString()).toBe('PAR1');
    });

    it('a write through query exits non-zero and says why on stderr; the table is untouched', async () => {
      const res = await cli(['query', 'DROP TABLE api_calls', ...remote()]);
      expect(res.code).not.toBe(0);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(/read-only/i);
      expect(res.stderr).toMatch(/SELECT/);
      expect(Number((await queryJson('SELECT count() AS n FROM api_calls', remote()))[0].n)).toBe(5);
    });

    it('a wrong or missing admin key exits non-zero with the reason', async () => {
      const wrong = await cli(['query', 'SELECT 1', '--url', url, '--admin-key', 'not-the-admin-key']);
      expect(wrong.code).not.toBe(0);
      expect(wrong.stdout).toBe('');
      expect(wrong.stderr).toMatch(/^403: .*admin key/m);
      const caller = await cli(['stats', '--url', url, '--admin-key', CALLER_KEY]);
      expect(caller.code).not.toBe(0);
      expect(caller.stderr).toMatch(/^403: /m);
      const missing = await cli(['query', 'SELECT 1', '--url', url]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(/^401: .*admin key/m);
    });

    it('direct access to the folder the server holds fails fast and points at --url', async () => {
      const res = await cli(['query', 'SELECT count() AS n FROM api_calls', '--json', '--config', config], 20_000);
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr).toContain('cannot open the call store');
      expect(res.stderr).toContain('--url');
      expect(res.ms).toBeLessThan(15_000);
      const exp = await cli(['export', '--out', join(dir, 'locked.jsonl'), '--config', config], 20_000);
      expect(exp.code).toBe(1);
      expect(exp.stderr).toContain('--url');
      expect(existsSync(join(dir, 'locked.jsonl'))).toBe(false);
      // The server is unaffected.
      expect(Number((await queryJson('SELECT count() AS n FROM api_calls', remote()))[0].n)).toBe(5);
    });

    it('the server stops on SIGTERM with exit code 0', async () => {
      expect(await stopServer(server), server.err()).toEqual({ code: 0, signal: null });
    });
  });

  describe('directly on the data folder after the server stopped (no --url)', () => {
    it('query --json --config reads the persisted calls', async () => {
      const rows = await queryJson('SELECT count() AS n FROM api_calls', ['--config', config]);
      expect(rows).toEqual([{ n: 5 }]);
      const ids = await queryJson('SELECT request_id FROM api_calls ORDER BY request_id', ['--config', config]);
      expect(ids.map((r) => r.request_id)).toEqual([...requestIds].sort());
    });

    it('stats and export work directly too', async () => {
      const stats = await cli(['stats', '--days', '7', '--json', '--config', config]);
      expect(stats.code, stats.stderr).toBe(0);
      const calls = (JSON.parse(stats.stdout) as Record<string, unknown>[]).reduce((n, r) => n + Number(r.calls), 0);
      expect(calls).toBe(5);
      const jsonl = join(dir, 'direct.jsonl');
      const exp = await cli(['export', '--out', jsonl, '--model', SERVED['gpt-4'], '--config', config]);
      expect(exp.code, exp.stderr).toBe(0);
      expect(nonEmptyLines(jsonl)).toHaveLength(3);
      const parquet = join(dir, 'direct.parquet');
      expect((await cli(['export', '--out', parquet, '--config', config])).code).toBe(0);
      expect(readFileSync(parquet).subarray(0, 4).toString()).toBe('PAR1');
    });

    it('a write through query is refused in direct mode as well', async () => {
      const res = await cli(['query', 'DROP TABLE api_calls', '--config', config]);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toMatch(/read-only/i);
      expect(await queryJson('SELECT count() AS n FROM api_calls', ['--config', config])).toEqual([{ n: 5 }]);
    });

    it('migrate --config: the schema is up to date', async () => {
      const res = await cli(['migrate', '--config', config]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain('schema is up to date');
    });
  });

  describe('shutdown', () => {
    // KNOWN BUG: apps/gateway/src/bootstrap.ts calls app.enableShutdownHooks(), so on SIGTERM NestJS closes the
    // app and then re-raises SIGTERM (process.kill(pid, signal)). The CLI's own handler (apps/cli/src/commands/
    // serve.ts, registered with process.once) is spent by then, so the process dies of the signal before
    // RunningServer.stop() has flushed the embedded analyzer: the calls still buffered (up to
    // analyzer.batch_max_wait_ms, 1 s by default) are lost and the exit code is 143 instead of 0. A long batch
    // wait makes the race deterministic here. Remove `.fails` once fixed.
    it('a call answered just before SIGTERM is still recorded, and the exit code is 0', async () => {
      const sigDir = join(dir, 'sigterm');
      const sigConfig = join(dir, 'sigterm.yaml');
      writeConfig(sigConfig, join(sigDir, 'data'), 60_000);
      const sig = await startServer(sigConfig, await freePort());
      const openai = new OpenAI({ baseURL: `${sig.url}/v1`, apiKey: CALLER_KEY, maxRetries: 0 });
      await openai.chat.completions.create({ model: 'mini', messages: [{ role: 'user', content: 'last call' }] });
      const stopped = await stopServer(sig);
      const rows = await queryJson('SELECT count() AS n FROM api_calls', ['--config', sigConfig]);
      expect({ stopped, rows }).toEqual({ stopped: { code: 0, signal: null }, rows: [{ n: 1 }] });
    });
  });
});
