import { LessLLMClient } from '@lessllm/sdk';
import { startLessLLM, type RunningServer } from '@lessllm/server';
import { parseConfig } from '@lessllm/shared';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../fakes';
import type { FakeOpenAI } from '../support/harness';
import { startNatsServer } from '../support/nats-server';
import { freePort } from '../support/proxies';

// Distributed mode: gateway (this process) -> NATS JetStream (own nats-server) -> analyzer PROCESS -> chDB.
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/apps/cli/src/main.js');
const ADMIN = 'admin-key-123456';

let nats: Awaited<ReturnType<typeof startNatsServer>>;
let fake: FakeOpenAI;
let gateway: RunningServer;
let analyzer: ChildProcess | null = null;
let analyzerPort: number;
let configFile: string;
let client: OpenAI;
let admin: LessLLMClient;
const sent: string[] = [];

function startAnalyzerProcess(): Promise<void> {
  analyzer = spawn(
    process.execPath,
    [CLI, 'analyzer', '--port', String(analyzerPort), '--host', '127.0.0.1', '--config', configFile],
    {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  analyzer.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  analyzer.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (out.includes('analyzer on')) {
        clearInterval(timer);
        resolvePromise();
      } else if (analyzer?.exitCode !== null || Date.now() - started > 30_000) {
        clearInterval(timer);
        reject(new Error(`analyzer did not start: ${out}`));
      }
    }, 50);
  });
}

async function stopAnalyzerProcess(signal: NodeJS.Signals): Promise<void> {
  const child = analyzer;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
  analyzer = null;
}

async function call(content: string): Promise<void> {
  const { response } = await client.chat.completions
    .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] })
    .withResponse();
  sent.push(response.headers.get('x-request-id')!);
}

/** Every request id sent so far is in api_calls exactly once. */
async function expectAllRecordedOnce(): Promise<void> {
  await expect
    .poll(async () => Number((await admin.query<{ n: string }>('SELECT count() AS n FROM api_calls'))[0].n), {
      timeout: 30_000,
      interval: 250,
    })
    .toBe(sent.length);
  const rows = await admin.query<{ request_id: string; c: string }>(
    'SELECT request_id, count() AS c FROM api_calls GROUP BY request_id HAVING c > 1',
  );
  expect(rows).toEqual([]);
  const ids = await admin.query<{ request_id: string }>('SELECT request_id FROM api_calls', { maxRows: 100_000 });
  expect(new Set(ids.map((r) => r.request_id))).toEqual(new Set(sent));
}

beforeAll(async () => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  nats = await startNatsServer();
  fake = await startFakeOpenAI({ record: false });
  analyzerPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lessllm-distributed-'));
  const raw = {
    providers: {
      openai: { type: 'openai', base_url: `${fake.url}/v1`, api_key: 'sk-fake-openai', models: ['gpt-4o-mini'] },
    },
    auth: { admin_key: ADMIN, keys: [{ key: 'team-a-key-123', tenant: 'team-a' }] },
    events: { nats_url: nats.url },
    storage: { data_dir: join(dir, 'data') },
    // A killed analyzer's unacknowledged batch comes back after ack_wait: short here, so the poll below is not a race.
    analyzer: { batch_size: 20, batch_max_wait_ms: 100, ack_wait_ms: 5_000 },
    server: { log_level: 'warn' },
  };
  configFile = join(dir, 'lessllm.yaml');
  writeFileSync(configFile, JSON.stringify(raw)); // JSON is YAML
  gateway = await startLessLLM({
    config: parseConfig(raw, {}, true, 'test'),
    role: 'gateway',
    port: 0,
    host: '127.0.0.1',
    logger: pino({ level: 'silent' }),
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'team-a-key-123', maxRetries: 0 });
  admin = new LessLLMClient({ url: `http://127.0.0.1:${analyzerPort}`, adminKey: ADMIN });
  await startAnalyzerProcess();
}, 120_000);

afterAll(async () => {
  await stopAnalyzerProcess('SIGTERM');
  await gateway?.stop();
  await fake?.stop();
  await nats?.stop();
});

describe('call records in distributed mode (NATS JetStream + analyzer process + chDB)', () => {
  it('every call becomes exactly one row', async () => {
    for (let i = 0; i < 25; i++) await call(`steady ${i}`);
    await expectAllRecordedOnce();
    // Both services say so on /metrics: the gateway published every call, the analyzer processed them, no lag.
    const analyzerMetrics = await (await request(`http://127.0.0.1:${analyzerPort}/metrics`)).body.text();
    expect(
      Number(
        /lessllm_analyzer_events_total\{outcome="processed",service="analyzer"\} (\d+)/.exec(analyzerMetrics)?.[1],
      ),
    ).toBeGreaterThanOrEqual(25);
    expect(analyzerMetrics).toMatch(/lessllm_analyzer_consumer_pending\{service="analyzer"\} 0\n/);
    expect(analyzerMetrics).toMatch(/lessllm_analyzer_batch_size_count\{service="analyzer"\} [1-9]/);
    expect(analyzerMetrics).toMatch(/lessllm_analyzer_insert_failures_total\{service="analyzer"\} 0\n/);
    const ready = await request(`http://127.0.0.1:${analyzerPort}/health/ready`);
    expect(await ready.body.json()).toEqual({ status: 'ok', checks: { clickhouse: 'up', nats: 'up' } });
    const gatewayMetrics = await (await request(`${gateway.url}/metrics`)).body.text();
    expect(gatewayMetrics).toMatch(/lessllm_event_buffer_depth\{service="gateway"\} 0\n/);
    expect(gatewayMetrics).toMatch(/lessllm_events_dropped_total\{service="gateway"\} 0\n/);
  }, 60_000);

  it('analyzer killed mid-flow and restarted: nothing lost, nothing twice', async () => {
    const flowing = (async () => {
      for (let i = 0; i < 60; i++) await call(`during kill ${i}`);
    })();
    await new Promise((r) => setTimeout(r, 150));
    await stopAnalyzerProcess('SIGKILL');
    await flowing;
    await startAnalyzerProcess();
    await expectAllRecordedOnce();
  }, 90_000);

  it('NATS restarted while calls flow: the gateway buffers and drains, calls never fail', async () => {
    const flowing = (async () => {
      for (let i = 0; i < 60; i++) {
        await call(`during nats restart ${i}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await nats.restart();
    await flowing;
    await expectAllRecordedOnce();
  }, 90_000);
});
