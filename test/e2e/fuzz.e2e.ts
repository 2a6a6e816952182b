import { seededRandom } from '@lessllm/shared';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAMING_TRICKS, sendRaw } from '../fuzz/framing';
import { mutateText, mutateValue, pick, type Random } from '../fuzz/mutations';
import { fakeOpenAIProvider, standardConfig, startHarness, type Harness } from '../support/harness';

// 3,000 mutated requests (OpenAI Chat, legacy Completions, Embeddings, Anthropic Messages and count_tokens,
// Responses), plus raw-socket framing tricks: the gateway answers every one of them without a 5xx, does not crash,
// and every call answered 200 has its record. FUZZ_SEED and FUZZ_REQUESTS reproduce or widen a run.

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
const CONCURRENCY = 12;

interface Template {
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

const openai = { 'content-type': 'application/json', authorization: 'Bearer team-a-key-123' };
const anthropic = {
  'content-type': 'application/json',
  'x-api-key': 'team-a-key-123',
  'anthropic-version': '2023-06-01',
};
const weather = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

const TEMPLATES: Template[] = [
  {
    path: '/v1/chat/completions',
    headers: openai,
    body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
  },
  {
    path: '/v1/chat/completions',
    headers: openai,
    body: {
      model: 'claude',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
      ],
      tools: [weather],
      tool_choice: 'auto',
      temperature: 0.2,
    },
  },
  {
    path: '/v1/messages',
    headers: anthropic,
    body: {
      model: 'claude',
      max_tokens: 50,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'hi' }],
    },
  },
  {
    path: '/v1/messages',
    headers: anthropic,
    body: {
      model: 'gpt-4o',
      max_tokens: 50,
      stream: true,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'w', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
      ],
    },
  },
  {
    path: '/v1/responses',
    headers: openai,
    body: { model: 'gpt-resp', input: 'hi', instructions: 'Be brief.', store: false },
  },
  {
    path: '/v1/responses',
    headers: openai,
    body: {
      model: 'claude',
      stream: true,
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'weather?' }] },
        { type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
      ],
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} } }],
    },
  },
  { path: '/v1/completions', headers: openai, body: { model: 'gpt-4o', prompt: 'Say hi', max_tokens: 5 } },
  { path: '/v1/embeddings', headers: openai, body: { model: 'text-embedding-3-small', input: ['a', 'b'] } },
  {
    path: '/v1/messages/count_tokens',
    headers: anthropic,
    body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'count me' }] },
  },
];

/** One mutated request: what it is (for a failure report) and what to send. */
function mutatedRequest(rand: Random): {
  what: string;
  template: Template;
  headers: Record<string, string>;
  text: string;
} {
  const template = pick(rand, TEMPLATES);
  let headers = { ...template.headers };
  let text = JSON.stringify(template.body);
  const roll = rand();
  let what: string;
  if (roll < 0.65) {
    let body: unknown = template.body;
    const times = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < times; i++) body = mutateValue(rand, body);
    text = JSON.stringify(body) ?? 'null';
    what = `${times} value mutation(s)`;
  } else if (roll < 0.9) {
    text = mutateText(rand, text);
    what = 'text mutation';
  } else {
    const variant = Math.floor(rand() * 5);
    if (variant === 0)
      headers['content-type'] = pick(rand, ['text/plain', 'application/xml', 'multipart/form-data', '']);
    else if (variant === 1)
      headers = { 'content-type': 'application/json' }; // no key
    else if (variant === 2) headers.authorization = 'Bearer wrong-key-000';
    else if (variant === 3) headers['x-lessllm-tier'] = pick(rand, ['nope', '', 'x'.repeat(5000)]);
    else headers['anthropic-beta'] = pick(rand, ['', ',,,', 'x'.repeat(10_000), 'context-1m-2025-08-07']);
    what = `header variant ${variant}`;
  }
  return { what, template, headers, text };
}

let h: Harness;

beforeAll(async () => {
  h = await startHarness((fakes) => {
    const config = standardConfig(fakes, {
      server: { headers_timeout_s: 1, body_timeout_s: 1 } as never,
      retry: { max_retries: 0 } as never,
    }) as Record<string, any>;
    config.providers['openai-resp'] = fakeOpenAIProvider(fakes, ['responses', 'chat_completions']);
    config.models['gpt-resp'] = { provider: 'openai-resp', model: 'gpt-4o-2024-08-06' };
    return config;
  });
}, 30_000);
afterAll(() => h?.stop());

describe(`fuzzer (seed ${SEED})`, () => {
  it(`${REQUESTS} mutated requests: no 5xx, no crash, every 200 recorded`, async () => {
    const rand = seededRandom(SEED);
    const plan = Array.from({ length: REQUESTS }, () => mutatedRequest(rand));
    const serverErrors: string[] = [];
    const answered200: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < plan.length) {
        const i = next++;
        const { what, template, headers, text } = plan[i];
        const res = await request(`${h.gateway.url}${template.path}`, { method: 'POST', headers, body: text });
        await res.body.text();
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode >= 500) {
          serverErrors.push(`#${i} ${template.path} (${what}) -> ${res.statusCode}: ${text.slice(0, 200)}`);
        }
        if (res.statusCode === 200) answered200.push(String(res.headers['x-request-id']));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    process.stdout.write(
      `fuzzer: ${REQUESTS} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`,
    );
    expect(serverErrors).toEqual([]);
    // Enough of them got through to the providers for "every 200 recorded" to mean something.
    expect(answered200.length).toBeGreaterThan(REQUESTS / 10);
    const recorded = new Set(h.events.map((e) => e.request_id));
    await expect.poll(() => answered200.filter((id) => !recorded.has(id)).length, { timeout: 10_000 }).toBe(0);
    expect((await request(`${h.gateway.url}/health/live`)).statusCode).toBe(200);
  }, 240_000);

  it('raw-socket framing tricks: never a 5xx, and the gateway keeps serving', async () => {
    const body = JSON.stringify(TEMPLATES[0].body);
    const results = await Promise.all(
      FRAMING_TRICKS.map(async (trick) => ({
        trick: trick.name,
        statuses: await sendRaw(h.gateway.port, trick.bytes(body), 4_000),
      })),
    );
    const bad = results.filter((r) => r.statuses.some((s) => s.startsWith('5')));
    expect(bad).toEqual([]);
    // The smuggled second request is answered as its own request or not at all, never as part of the first.
    const ok = await request(`${h.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: openai,
      body,
    });
    expect(ok.statusCode).toBe(200);
    await ok.body.text();
  }, 60_000);
});
