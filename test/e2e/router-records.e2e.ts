import { LessLLMClient } from '@lessllm/sdk';
import { startLessLLM, type RunningServer } from '@lessllm/server';
import { parseConfig } from '@lessllm/shared';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, startFakeOpenAI } from '../fakes';
import { ensureCliBuilt, runCli } from '../support/cli';
import { standardConfig, startHarness, type FakeAnthropic, type FakeOpenAI, type Harness } from '../support/harness';

// Routing decisions in api_calls (embedded server, chDB), training weights from them with the CLI, and the
// trained classifier picking those weights up, and new ones without a restart.

const HARD =
  'Prove step by step that the sum of the first n odd numbers is n^2, then write a Python function that checks it.';
const SIMPLE = 'Hi! How are you today?';
const ADMIN = 'admin-key-123456';

let dir: string;
let fakes: { openai: FakeOpenAI; anthropic: FakeAnthropic };

function withRouter(router: Record<string, unknown>, on = fakes) {
  const config = standardConfig(on);
  (config.models as Record<string, unknown>).mini = { provider: 'openai', model: 'gpt-4o-mini' };
  return {
    ...config,
    router: { default_tier: 'small', tiers: { small: { model: 'mini' }, large: { model: 'gpt-4o' } }, ...router },
  };
}

beforeAll(async () => {
  ensureCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'lessllm-router-records-'));
  fakes = { openai: await startFakeOpenAI(), anthropic: await startFakeAnthropic() };
});
afterAll(async () => {
  await fakes.openai.stop();
  await fakes.anthropic.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('router decisions in api_calls, and training from them', () => {
  let server: RunningServer;
  let admin: LessLLMClient;

  beforeAll(async () => {
    const raw = { ...withRouter({ classifier: 'cascade' }), storage: { data_dir: join(dir, 'data') } };
    server = await startLessLLM({
      config: parseConfig({ ...raw, analyzer: { batch_size: 50, batch_max_wait_ms: 50 } }, {}, true, 'test'),
      port: 0,
      host: '127.0.0.1',
      logger: pino({ level: 'silent' }),
    });
    admin = new LessLLMClient({ url: server.url, adminKey: ADMIN });
  }, 60_000);
  afterAll(() => server?.stop());

  it('records tier, classifier and escalations; tier mix and cost are one GROUP BY', async () => {
    const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'team-a-key-123', maxRetries: 0 });
    const ask = (content: string, extra: object = {}) =>
      openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content }], ...extra });
    for (let i = 0; i < 3; i++) await ask(`${SIMPLE} #${i}`);
    for (let i = 0; i < 2; i++) await ask(`${HARD} #${i}`, { max_tokens: 2 }); // cut off: escalated
    await server.flush();
    const mix = await admin.query(
      "SELECT router_tier, count() AS calls, countIf(router_escalated_from != '') AS escalated, round(sum(estimated_cost_usd), 9) AS cost FROM api_calls WHERE router_tier != '' GROUP BY router_tier ORDER BY router_tier",
    );
    expect(mix.map((r) => [r.router_tier, Number(r.calls), Number(r.escalated)])).toEqual([
      ['large', 2, 2],
      ['small', 5, 0], // 3 served + 2 cheap attempts recorded as <id>.cascade
    ]);
    expect(Number(mix[0].cost)).toBeGreaterThan(0);
    const [row] = await admin.query(
      "SELECT router_requested, router_model, router_classifier, router_source, router_reason, router_decision_ms FROM api_calls WHERE router_escalated_from = 'small' LIMIT 1",
    );
    expect(row).toMatchObject({
      router_requested: 'auto',
      router_model: 'gpt-4o',
      router_classifier: 'cascade',
      router_source: 'router',
    });
    expect(String(row.router_reason)).toContain('cut_off');
  });

  it('lessllm router train --from "<SQL>" learns from the cascade outcomes', async () => {
    const out = join(dir, 'weights.json');
    const sql =
      "SELECT request_json, caller_format, if(router_escalated_from != '', 'strong', 'weak') AS label FROM api_calls " +
      "WHERE router_classifier = 'cascade' AND request_id NOT LIKE '%.cascade'";
    const res = await runCli(['router', 'train', '--from', sql, '-o', out, '--url', server.url, '--admin-key', ADMIN], {
      home: dir,
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^wrote .*weights\.json: 5 examples \(2 strong\)/);
    const weights = JSON.parse(readFileSync(out, 'utf8')) as { training: { examples: number }; features: string[] };
    expect(weights.training.examples).toBe(5);

    const oneLabel = await runCli(
      [
        'router',
        'train',
        '--from',
        `${sql} AND router_escalated_from = ''`,
        '-o',
        out,
        '--url',
        server.url,
        '--admin-key',
        ADMIN,
      ],
      { home: dir },
    );
    expect(oneLabel.code).toBe(1);
    expect(oneLabel.stderr).toContain('training needs both labels');
    const notSql = await runCli(['router', 'train', '--from', 'nope.jsonl', '-o', out], { home: dir });
    expect(notSql.stderr).toContain('neither an existing file nor a SELECT query');
  });
});

describe('trained classifier', () => {
  let h: Harness;
  const weightsFile = () => join(dir, 'trained.json');

  beforeAll(async () => {
    const res = await runCli(['router', 'train', '--from', 'eval/router/train.jsonl', '-o', weightsFile()], {
      home: dir,
    });
    expect(res.code, res.stderr).toBe(0);
    h = await startHarness((own) => withRouter({ classifier: 'trained', weights_file: weightsFile() }, own));
  });
  afterAll(() => h?.stop());

  const tierFor = async (content: string) => {
    const { response } = await new OpenAI({
      baseURL: `${h.gateway.url}/v1`,
      apiKey: 'team-a-key-123',
      maxRetries: 0,
    }).chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content }] })
      .withResponse();
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    return { tier: response.headers.get('x-lessllm-tier'), classifier: event.route?.classifier };
  };

  it('routes with the file, and reloads a new file without a restart', async () => {
    expect(await tierFor(SIMPLE)).toEqual({ tier: 'small', classifier: 'trained' });
    const weights = JSON.parse(readFileSync(weightsFile(), 'utf8')) as { bias: number };
    writeFileSync(weightsFile(), JSON.stringify({ ...weights, bias: 50 })); // now everything looks hard
    await expect.poll(async () => (await tierFor(SIMPLE)).tier, { timeout: 8000, interval: 250 }).toBe('large');
    writeFileSync(weightsFile(), '{ "broken": '); // a bad file keeps the last good weights
    await new Promise((r) => setTimeout(r, 2500));
    expect((await tierFor(SIMPLE)).tier).toBe('large');
    expect(h.logs.some((l) => l.includes('router weights file changed but cannot be used'))).toBe(true);
  }, 20_000);
});
