import Anthropic from '@anthropic-ai/sdk';
import { LessLLMApiError, LessLLMClient } from '@lessllm/sdk';
import { startLessLLM, type RunningServer } from '@lessllm/server';
import { parseConfig } from '@lessllm/shared';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, startFakeOpenAI } from '../fakes';
import { fakeOpenAIProvider, standardConfig, type FakeAnthropic, type FakeOpenAI } from '../support/harness';

// Embedded mode end to end: SDK call -> gateway -> in-process bus -> analyzer -> chDB -> analytics API.
let openaiFake: FakeOpenAI;
let anthropicFake: FakeAnthropic;
let server: RunningServer;
let admin: LessLLMClient;
let openai: OpenAI;
const dataDir = mkdtempSync(join(tmpdir(), 'lessllm-embedded-'));

beforeAll(async () => {
  openaiFake = await startFakeOpenAI();
  anthropicFake = await startFakeAnthropic();
  const standard = standardConfig({ openai: openaiFake, anthropic: anthropicFake }) as Record<string, any>;
  standard.providers['openai-resp'] = fakeOpenAIProvider({ openai: openaiFake }, ['responses']);
  standard.models.reasoner = { provider: 'openai-resp', model: 'gpt-5-mini' };
  const raw = {
    ...standard,
    storage: { data_dir: dataDir },
    analyzer: { batch_size: 50, batch_max_wait_ms: 50 },
  };
  server = await startLessLLM({
    config: parseConfig(raw, {}, true, 'test'),
    port: 0,
    host: '127.0.0.1',
    logger: pino({ level: 'silent' }),
  });
  admin = new LessLLMClient({ url: server.url, adminKey: 'admin-key-123456' });
  openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'team-a-key-123', maxRetries: 0 });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await openaiFake?.stop();
  await anthropicFake?.stop();
});

async function rowFor(requestId: string): Promise<Record<string, any>> {
  await server.flush();
  const rows = await admin.query(`SELECT * FROM api_calls WHERE request_id = '${requestId}'`);
  expect(rows).toHaveLength(1);
  return rows[0];
}

describe('call records in embedded mode (chDB)', () => {
  it('a non-streaming OpenAI-format call becomes one row with tokens, cost, latency and JSON', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'record me please' }], user: 'alice' })
      .withResponse();
    const row = await rowFor(response.headers.get('x-request-id')!);
    expect(row).toMatchObject({
      model: data.model,
      requested_model: 'gpt-4o',
      provider: 'openai',
      user_id: 'alice',
      tenant: 'team-a',
      status: 'success',
    });
    expect(Boolean(row.is_streaming)).toBe(false);
    expect(Number(row.actual_prompt_tokens)).toBe(data.usage!.prompt_tokens);
    expect(Number(row.actual_completion_tokens)).toBe(data.usage!.completion_tokens);
    expect(Number(row.estimated_prompt_tokens)).toBeGreaterThan(0);
    // gpt-4o-2024-08-06: $2.50 in / $10 out per 1M tokens.
    const expected = (data.usage!.prompt_tokens * 2.5 + data.usage!.completion_tokens * 10) / 1e6;
    expect(Number(row.estimated_cost_usd)).toBeCloseTo(expected, 9);
    expect(Number(row.total_latency_ms)).toBeGreaterThan(0);
    expect(JSON.parse(row.request_json).messages[0].content).toBe('record me please');
    expect(JSON.parse(row.response_json).choices[0].message.content).toBe('echo: record me please');
  });

  it('a streamed Anthropic call records TTFT, TPOT and the assembled response', async () => {
    const anthropic = new Anthropic({ baseURL: server.url, apiKey: 'team-b-key-456', maxRetries: 0 });
    const stream = anthropic.messages.stream({
      model: 'claude',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'one two three four five' }],
    });
    const final = await stream.finalMessage();
    const requestId = (await stream.withResponse()).response.headers.get('x-request-id')!;
    const row = await rowFor(requestId);
    expect(Boolean(row.is_streaming)).toBe(true);
    expect(row.tenant).toBe('team-b');
    expect(Number(row.actual_completion_tokens)).toBe(final.usage.output_tokens);
    expect(row.estimated_ttft_ms).not.toBeNull();
    expect(Number(row.estimated_ttft_ms)).toBeLessThanOrEqual(Number(row.total_latency_ms));
    expect(row.estimated_tpot_ms).not.toBeNull();
    expect(JSON.parse(row.response_json).content[0].text).toBe('echo: one two three four five');
  });

  it('a streamed Responses call: tokens with reasoning billed as output, TTFT/TPOT, both formats, the response', async () => {
    const stream = await openai.responses
      .create({ model: 'reasoner', input: 'think about it then answer', stream: true })
      .withResponse();
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream.data) if (event.type === 'response.completed') completed = event.response;
    const row = await rowFor(stream.response.headers.get('x-request-id')!);
    const usage = completed!.usage!;
    expect(usage.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    expect(row).toMatchObject({
      endpoint: 'responses',
      caller_format: 'openai-responses',
      upstream_format: 'openai-responses',
      model: 'gpt-5-mini',
    });
    expect(Boolean(row.is_streaming)).toBe(true);
    expect(Number(row.actual_prompt_tokens)).toBe(usage.input_tokens);
    expect(Number(row.actual_completion_tokens)).toBe(usage.output_tokens);
    expect(Number(row.actual_reasoning_tokens)).toBe(usage.output_tokens_details.reasoning_tokens);
    expect(Number(row.estimated_prompt_tokens)).toBeGreaterThan(0);
    // gpt-5-mini: $0.25 in / $2 out per 1M tokens; output_tokens already include the reasoning tokens.
    expect(Number(row.estimated_cost_usd)).toBeCloseTo((usage.input_tokens * 0.25 + usage.output_tokens * 2) / 1e6, 12);
    expect(row.estimated_ttft_ms).not.toBeNull();
    expect(row.estimated_tpot_ms).not.toBeNull();
    expect(JSON.parse(row.request_json).input).toBe('think about it then answer');
    expect(JSON.parse(row.response_json).output.at(-1).content[0].text).toBe('echo: think about it then answer');
  });

  it('a response-cache hit is recorded as saved money, not spent', async () => {
    const ask = () =>
      openai.chat.completions
        .create({ model: 'gpt-4o', temperature: 0, messages: [{ role: 'user', content: 'cache this answer' }] })
        .withResponse();
    const first = await ask();
    const second = await ask();
    expect(second.response.headers.get('x-lessllm-cache')).toBe('hit');
    const missRow = await rowFor(first.response.headers.get('x-request-id')!);
    const hitRow = await rowFor(second.response.headers.get('x-request-id')!);
    expect(missRow.response_cache_status).toBe('miss');
    expect(hitRow.response_cache_status).toBe('hit');
    expect(Number(hitRow.estimated_cost_usd)).toBe(0);
    expect(Number(hitRow.response_cache_saved_cost_usd)).toBeCloseTo(Number(missRow.estimated_cost_usd), 12);
    const saved = await admin.query(
      "SELECT model, sum(response_cache_saved_cost_usd) AS saved FROM api_calls WHERE response_cache_status = 'hit' AND timestamp >= now() - INTERVAL 7 DAY GROUP BY model",
    );
    expect(Number(saved[0].saved)).toBeGreaterThan(0);
  });

  it('the MISSION.md example queries run unchanged', async () => {
    await server.flush();
    const perModel = await admin.query(
      "SELECT model, COUNT(*) AS calls, SUM(estimated_cost_usd) AS total_cost, AVG(estimated_cache_hit_rate) AS avg_cache_hit_rate FROM api_calls WHERE timestamp >= '2024-01-01' GROUP BY model",
    );
    expect(perModel.length).toBeGreaterThanOrEqual(2);
    await admin.query(
      'SELECT request_id, model, estimated_ttft_ms, estimated_tpot_ms, estimated_cache_hit_rate, actual_cache_hit_rate FROM api_calls WHERE estimated_ttft_ms > 5000 ORDER BY timestamp DESC',
    );
    const daily = await admin.query(
      'SELECT model, date(timestamp) AS date, sum(actual_total_tokens) AS daily_tokens FROM api_calls GROUP BY model, date(timestamp) ORDER BY date DESC',
    );
    expect(daily.length).toBeGreaterThanOrEqual(2);
  });

  it('usage stats per model and day', async () => {
    const rows = await admin.getUsageStats({ days: 7 });
    const gpt = rows.find((r) => String(r.model).startsWith('gpt-4o'));
    expect(gpt).toBeDefined();
    expect(Number(gpt!.calls)).toBeGreaterThanOrEqual(1);
    expect(Number(gpt!.cost_usd)).toBeGreaterThan(0);
    // The cache hit recorded above shows as savings, against the SUM over the rows themselves.
    const [truth] = await admin.query(
      "SELECT countIf(response_cache_status = 'hit') AS hits, countIf(response_cache_status IN ('hit', 'miss')) AS lookups, sum(coalesce(response_cache_saved_cost_usd, 0)) AS saved FROM api_calls WHERE model = '" +
        String(gpt!.model) +
        "' AND toDate(timestamp) = '" +
        String(gpt!.day) +
        "'",
    );
    expect(Number(gpt!.response_cache_hits)).toBe(Number(truth.hits));
    expect(Number(gpt!.response_cache_hits)).toBeGreaterThanOrEqual(1);
    expect(Number(gpt!.response_cache_hit_rate)).toBeCloseTo(Number(truth.hits) / Number(truth.lookups), 4);
    expect(Number(gpt!.response_cache_saved_usd)).toBeGreaterThan(0);
    expect(Number(gpt!.response_cache_saved_usd)).toBeCloseTo(Number(truth.saved), 6);
  });

  it('exports Parquet with filters', async () => {
    const file = join(dataDir, 'calls.parquet');
    const { bytes } = await admin.exportLogs({
      filepath: file,
      since: '2024-01-01',
      filters: { models: ['claude-sonnet-4-5'] },
    });
    expect(bytes).toBeGreaterThan(0);
    expect(readFileSync(file).subarray(0, 4).toString()).toBe('PAR1');
  });

  it('refuses writes, DDL, several statements and settings changes; refuses caller keys', async () => {
    for (const sql of [
      'INSERT INTO api_calls (request_id) VALUES (1)',
      'DROP TABLE api_calls',
      'SELECT 1; DROP TABLE api_calls',
      'SET readonly = 0',
      'SELECT 1 SETTINGS readonly = 0',
    ]) {
      const err = await admin.query(sql).catch((e: unknown) => e);
      expect(err, sql).toBeInstanceOf(LessLLMApiError);
      expect((err as LessLLMApiError).status, sql).toBe(400);
    }
    const caller = new LessLLMClient({ url: server.url, adminKey: 'team-a-key-123' });
    expect(((await caller.query('SELECT 1').catch((e: unknown) => e)) as LessLLMApiError).status).toBe(403);
    expect((await admin.query('SELECT count() AS n FROM api_calls'))[0].n).toBeDefined();
  });
});
