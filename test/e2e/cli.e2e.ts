import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../fakes';
import type { FakeOpenAI } from '../support/harness';
import { freePort } from '../support/proxies';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/apps/cli/src/main.js');
let fake: FakeOpenAI;

beforeAll(async () => {
  // `npm run test:all` builds first; a bare `npm test` builds here so the CLI is always the current code.
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  fake = await startFakeOpenAI();
}, 120_000);
afterAll(() => fake.stop());

function run(args: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('lessllm CLI', () => {
  it('`lessllm server --port --config` serves the OpenAI SDK and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lessllm-cli-'));
    const config = join(dir, 'lessllm.yaml');
    writeFileSync(
      config,
      [
        'providers:',
        `  openai: { type: openai, base_url: "${fake.url}/v1", api_key: "\${FAKE_KEY}" }`,
        'models:',
        '  "gpt-4": { provider: openai, model: "gpt-4-0613" }',
        'server: { log_level: warn }',
        `storage: { data_dir: "${join(dir, 'data')}" }`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const child = run(['server', '--port', String(port), '--host', '127.0.0.1', '--config', config], {
      FAKE_KEY: 'sk-fake-openai',
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await expect.poll(() => out, { timeout: 15_000 }).toContain(`http://127.0.0.1:${port}`);
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 });
    const res = await client.chat.completions.create({
      model: 'gpt-4',
      messages: [{ role: 'user', content: 'from cli' }],
    });
    expect(res.choices[0].message.content).toBe('echo: from cli');
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);

  it('a bad config fails at start-up naming the key and the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lessllm-cli-'));
    const config = join(dir, 'lessllm.yaml');
    writeFileSync(
      config,
      'providers:\n  openai: { type: openai, api_key: "${MISSING_KEY_VAR}" }\nmodels:\n  x: { provider: nope, model: m }\n',
    );
    const child = run(['server', '--config', config]);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(err).toContain('providers.openai.api_key: environment variable MISSING_KEY_VAR is not set');
  }, 30_000);
});
