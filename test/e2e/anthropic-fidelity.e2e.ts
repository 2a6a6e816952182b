import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeOpenAIProvider, standardConfig, startHarness, type Harness } from '../support/harness';

let h: Harness;
let anthropic: Anthropic;
let openai: OpenAI;

/** A request as Claude Code 2.1 sends it (anthropic-2026.md §2.3, §3, §4, §5, §6), on a model that takes all of it. */
function claudeCodeBody(model: string, extra: Record<string, unknown> = {}): Record<string, any> {
  return {
    model,
    max_tokens: 32000,
    stream: false,
    system: [
      { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.332.1c9; cc_entrypoint=cli;' },
      { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral', scope: 'global' } },
    ],
    messages: [
      {
        role: 'user',
        content: [{ type: 'text', text: 'list the files', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      },
      { role: 'system', content: [{ type: 'text', text: 'The working directory is /repo.' }] },
    ],
    tools: [
      {
        name: 'Bash',
        description: 'Run a command',
        input_schema: { type: 'object', properties: { command: { type: 'string' } } },
      },
    ],
    thinking: { type: 'adaptive', display: 'omitted' },
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    output_config: { effort: 'high' },
    metadata: { user_id: JSON.stringify({ device_id: 'd'.repeat(64), account_uuid: '', session_id: 's-1' }) },
    x_future_field: { kept: true },
    ...extra,
  };
}

const BETAS = 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,effort-2025-11-24';

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${h.gateway.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': 'team-a-key-123',
      'anthropic-version': '2023-06-01',
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  const json = text.startsWith('{') ? JSON.parse(text) : null;
  return { status: res.statusCode, headers: res.headers, text, json };
}

beforeAll(async () => {
  h = await startHarness((fakes) => {
    const config = standardConfig(fakes) as Record<string, any>;
    config.providers.anthropic.headers = { 'anthropic-beta': 'prompt-caching-scope-2026-01-05,effort-2025-11-24' };
    config.providers['openai-resp'] = fakeOpenAIProvider(fakes, ['responses']);
    config.models['claude-48'] = { provider: 'anthropic', model: 'claude-opus-4-8' };
    config.models['o-model'] = { provider: 'openai', model: 'o3' };
    config.models['reasoner'] = { provider: 'openai-resp', model: 'gpt-5-mini' };
    return config;
  });
  anthropic = new Anthropic({ baseURL: h.gateway.url, apiKey: 'team-a-key-123', maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: 'team-a-key-123', maxRetries: 0 });
});
afterAll(() => h.stop());
beforeEach(() => {
  h.openai.reset();
  h.anthropic.reset();
});

const upstream = (fake: {
  requests: Array<{ body: unknown; headers: Record<string, string>; path: string; query: Record<string, string> }>;
}): any => fake.requests.at(-1)!;

describe('Anthropic caller, Anthropic upstream: untouched', () => {
  it('passes the body through as sent (system turns, thinking, context_management, unknown fields) with the betas merged', async () => {
    const body = claudeCodeBody('claude-48');
    const res = await post('/v1/messages?beta=true', body, {
      'anthropic-beta': BETAS,
      'anthropic-version': '2023-06-01',
    });
    expect(res.status).toBe(200);
    const sent = upstream(h.anthropic);
    expect(sent.query).toEqual({ beta: 'true' });
    expect(sent.body).toEqual({ ...body, model: 'claude-opus-4-8' });
    expect(sent.headers['anthropic-beta'].split(',')).toEqual([
      'prompt-caching-scope-2026-01-05',
      'effort-2025-11-24',
      'claude-code-20250219',
      'interleaved-thinking-2025-05-14',
      'context-management-2025-06-27',
    ]);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers['x-api-key']).toBe('sk-ant-fake');
    // The provider's own headers and body come back as they were.
    expect(res.headers['request-id']).toMatch(/^req_/);
    expect(res.headers['anthropic-organization-id']).toBe('fake-org');
    expect(res.headers['anthropic-ratelimit-requests-limit']).toBeDefined();
    expect(res.json.content[0]).toMatchObject({ type: 'thinking', signature: expect.stringMatching(/^sig_/) });
    expect(res.headers['x-lessllm-dropped']).toBeUndefined();
  });

  it('without the beta the provider refuses context_management: the betas it gets are the caller’s', async () => {
    const res = await post('/v1/messages', claudeCodeBody('claude-48'));
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('context_management');
  });

  it('streams thinking with its signature_delta and records the signed block', async () => {
    const res = await post('/v1/messages?beta=true', claudeCodeBody('claude-48', { stream: true }), {
      'anthropic-beta': BETAS,
    });
    expect(res.text).toContain('"signature_delta"');
    const event = await h.eventFor(res.headers['x-request-id'] as string);
    expect((event.response as any).content[0]).toMatchObject({
      type: 'thinking',
      signature: expect.stringMatching(/^sig_/),
    });
  });

  it('a version the caller names reaches the provider', async () => {
    await post(
      '/v1/messages',
      { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'v' }] },
      { 'anthropic-version': '2026-10-21' },
    );
    expect(upstream(h.anthropic).headers['anthropic-version']).toBe('2026-10-21');
  });

  it('unsigned thinking (shown from another vendor) is taken out before the history reaches Anthropic', async () => {
    const res = await post('/v1/messages', {
      model: 'claude',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'from gpt', signature: '' },
            { type: 'text', text: 'hello' },
          ],
        },
        { role: 'user', content: 'again' },
      ],
    });
    expect(res.status).toBe(200);
    expect(upstream(h.anthropic).body.messages[1].content).toEqual([{ type: 'text', text: 'hello' }]);
  });
});

describe('Anthropic caller (Claude Code) on an OpenAI-format model', () => {
  it('maps system turns in place, drops what only tunes behaviour (listed), clamps max_tokens', async () => {
    const res = await post('/v1/messages?beta=true', claudeCodeBody('gpt-4o'), { 'anthropic-beta': BETAS });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ type: 'message', role: 'assistant' });
    const sent = upstream(h.openai).body;
    expect(sent.messages.map((m: any) => m.role)).toEqual(['system', 'user', 'system']);
    expect(sent.messages[2].content).toBe('The working directory is /repo.');
    expect(sent.max_tokens).toBe(16384);
    expect(sent.user).toMatch(/^lessllm-[0-9a-f]{40}$/);
    expect(sent).not.toHaveProperty('reasoning_effort');
    expect(JSON.stringify(sent)).not.toContain('cache_control');
    const dropped = String(res.headers['x-lessllm-dropped']).split(', ');
    expect(dropped).toEqual(expect.arrayContaining(['context_management', 'thinking', 'cache_control']));
    expect(res.headers['x-lessllm-adjusted']).toContain('max_tokens=16384');
    expect(res.headers['x-lessllm-upstream-format']).toBe('openai-chat');
  });

  it('on a reasoning model, effort and thinking budgets become reasoning_effort (thresholds in config)', async () => {
    await post('/v1/messages', claudeCodeBody('o-model'), { 'anthropic-beta': BETAS });
    expect(upstream(h.openai).body.reasoning_effort).toBe('high');
    expect(upstream(h.openai).body.max_completion_tokens).toBe(32000);
    await post('/v1/messages', {
      model: 'o-model',
      max_tokens: 9000,
      thinking: { type: 'enabled', budget_tokens: 5000 },
      messages: [{ role: 'user', content: 'think' }],
    });
    expect(upstream(h.openai).body.reasoning_effort).toBe('low');
  });

  it('reasoning from a Responses model comes back as thinking with an empty signature, also streamed', async () => {
    const res = await post('/v1/messages', {
      model: 'reasoner',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'why?' }],
    });
    expect(res.json.content[0]).toEqual({ type: 'thinking', thinking: 'Thinking it over.', signature: '' });
    expect(res.json.content[1]).toMatchObject({ type: 'text', text: 'echo: why?' });
    const streamed = await post('/v1/messages', {
      model: 'reasoner',
      max_tokens: 200,
      stream: true,
      messages: [{ role: 'user', content: 'why?' }],
    });
    expect(streamed.text).toContain('"thinking_delta"');
    expect(streamed.text).toContain('event: message_stop');
  });

  it('strict translation refuses what lenient translation drops, naming the field', async () => {
    const strict = await startHarness((fakes) => ({ ...standardConfig(fakes), translation: { strict: true } }));
    try {
      const res = await request(`${strict.gateway.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': 'team-a-key-123',
          'anthropic-version': '2023-06-01',
        },
        body: JSON.stringify(claudeCodeBody('gpt-4o')),
      });
      const body = (await res.body.json()) as any;
      expect(res.statusCode).toBe(400);
      expect(body.type).toBe('error');
      expect(body.error.message).toContain('translation.strict');
      expect(strict.openai.requests).toHaveLength(0);
    } finally {
      await strict.stop();
    }
  });
});

describe('OpenAI caller with reasoning_effort on Claude', () => {
  it('a budget model gets thinking.budget_tokens (max_tokens raised above it); an adaptive-only model gets adaptive + effort', async () => {
    await openai.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'x' }],
      reasoning_effort: 'medium',
    });
    expect(upstream(h.anthropic).body).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 8192 },
      max_tokens: 8192 + 4096,
    });
    await openai.chat.completions.create({
      model: 'claude-48',
      messages: [{ role: 'user', content: 'x' }],
      reasoning_effort: 'high',
    });
    expect(upstream(h.anthropic).body).toMatchObject({
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
    });
  });
});

describe('count_tokens', () => {
  it('on an Anthropic model: passed to Anthropic (betas and ?beta=true kept)', async () => {
    const res = await anthropic.messages.countTokens(
      { model: 'claude', messages: [{ role: 'user', content: 'count these words please' }], system: 'Be brief.' },
      { headers: { 'anthropic-beta': 'token-counting-2024-11-01' } },
    );
    expect(res.input_tokens).toBeGreaterThan(0);
    const sent = upstream(h.anthropic);
    expect(sent.path).toBe('/v1/messages/count_tokens');
    expect(sent.headers['anthropic-beta']).toContain('token-counting-2024-11-01');
    const event = h.events.at(-1)!;
    expect(event).toMatchObject({ endpoint: 'messages.count_tokens', status: 'success' });
  });

  it('on any other model: estimated by the tokenizer, and the answer says so', async () => {
    const { data, response } = await anthropic.messages
      .countTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: 'count these words please' }] })
      .withResponse();
    expect(data.input_tokens).toBeGreaterThan(3);
    expect(response.headers.get('x-lessllm-token-count')).toBe('estimate');
    expect(h.openai.requests).toHaveLength(0);
    const longer = await anthropic.messages.countTokens({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'count these words please '.repeat(20) }],
    });
    expect(longer.input_tokens).toBeGreaterThan(data.input_tokens * 5);
  });

  it('bad input is a 400 in Anthropic’s format naming the field', async () => {
    const res = await post('/v1/messages/count_tokens', { model: 'claude' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(res.json.error.message).toContain('messages');
  });
});
