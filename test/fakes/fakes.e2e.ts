import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeEmbedding, type FakeServer, startFakeAnthropic, startFakeOpenAI } from './index';

const OPENAI_KEY = 'sk-fake-openai';
const ANTHROPIC_KEY = 'sk-ant-fake';

async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string' } },
      required: ['city'],
    },
  },
};

describe('fake OpenAI against the official openai SDK', () => {
  let fake: FakeServer;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ chunkDelayMs: 20, slowMs: 300 });
    client = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${fake.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => fake.stop());
  beforeEach(() => fake.reset());

  it('answers a plain chat completion with deterministic usage and OpenAI headers', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'be brief' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'hello' },
              { type: 'text', text: 'world' },
            ],
          },
        ],
      })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0].message).toMatchObject({ role: 'assistant', content: 'echo: hello world' });
    expect(data.choices[0].finish_reason).toBe('stop');
    // chars: 8 + 5 + 5 = 18 -> ceil(18 / 4) = 5, + 3 per message
    expect(data.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 });
    expect(data.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('openai-processing-ms')).toMatch(/^\d+$/);
    for (const kind of ['requests', 'tokens']) {
      for (const field of ['limit', 'remaining', 'reset']) {
        expect(response.headers.get(`x-ratelimit-${field}-${kind}`)).toBeTruthy();
      }
    }
    expect(response.headers.get('connection')).toBe('keep-alive');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(fake.requests[0].body).toMatchObject({ model: 'gpt-4o-mini' });
  });

  it('truncates to max_tokens with finish_reason length, honours stop and JSON mode', async () => {
    const cut = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      max_completion_tokens: 2,
      messages: [{ role: 'user', content: 'one two three' }],
    });
    expect(cut.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'echo: one' } });
    const stopped = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stop: ['three'],
      messages: [{ role: 'user', content: 'one two three' }],
    });
    expect(stopped.choices[0].message.content).toBe('echo: one two ');
    const json = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(JSON.parse(json.choices[0].message.content ?? '')).toEqual({ answer: 'echo: hi' });
  });

  it('reports cached_tokens for "cached" models with long prompts', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini-cached',
      messages: [{ role: 'user', content: 'x'.repeat(5000) }],
    });
    expect(res.usage?.prompt_tokens).toBe(1253);
    expect(res.usage?.prompt_tokens_details?.cached_tokens).toBe(1152);
  });

  it('streams word chunks with include_usage (usage: null everywhere, then a choices: [] usage chunk)', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream me please' }],
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0].choices[0].delta).toMatchObject({ role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('echo: stream me please');
    expect(chunks.length).toBe(1 + 4 + 1 + 1);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('stop');
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ completion_tokens: 4, prompt_tokens: 7, total_tokens: 11 });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('returns and streams tool calls that the SDK assembles', async () => {
    const plain = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    });
    const call = plain.choices[0].message.tool_calls?.[0];
    expect(plain.choices[0].finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({ id: 'call_1', type: 'function', function: { name: 'get_weather' } });

    const runner = client.chat.completions.stream({
      model: 'gpt-4o-mini',
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    });
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0].message.tool_calls?.[0];
    expect(final.choices[0].finish_reason).toBe('tool_calls');
    expect(streamed?.type === 'function' && JSON.parse(streamed.function.arguments)).toEqual({ city: 'Paris' });

    const followUp = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: plain.choices[0].message.tool_calls },
        { role: 'tool', tool_call_id: 'call_1', content: '18C and sunny' },
      ],
    });
    expect(followUp.choices[0].message.content).toBe('tool said: 18C and sunny');
    const none = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      tools: [weatherTool],
      tool_choice: 'none',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(none.choices[0].message.content).toBe('echo: hi');
  });

  it('serves embeddings as base64 (the SDK default) and as floats', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
    expect((fake.requests[0].body as { encoding_format?: string }).encoding_format).toBe('base64');
    expect(res.data).toHaveLength(2);
    expect(res.data[1].index).toBe(1);
    expect(Array.from(res.data[0].embedding)).toEqual(fakeEmbedding('alpha'));
    // ceil(5 / 4) + ceil(4 / 4)
    expect(res.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'alpha',
      encoding_format: 'float',
    });
    expect(floats.data[0].embedding).toEqual(fakeEmbedding('alpha'));
    expect(floats.data[0].embedding).toHaveLength(8);
  });

  it('lists models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('gpt-4o-mini');
    expect((await client.models.retrieve('gpt-4o')).owned_by).toBe('openai');
  });

  it('rejects a wrong key with 401 without echoing it', async () => {
    const bad = new OpenAI({ apiKey: 'sk-wrong-secret-1234', baseURL: `${fake.url}/v1`, maxRetries: 0 });
    const err = await rejection(
      bad.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    const apiErr = err as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(apiErr.code).toBe('invalid_api_key');
    expect(apiErr.message).toContain('Incorrect API key provided: sk-...1234.');
    expect(apiErr.message).not.toContain('wrong-secret');
    expect(apiErr.requestID).toMatch(/^req_/);
  });

  it('429 then success: the SDK retries and honours retry-after', async () => {
    const retrying = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${fake.url}/v1`, maxRetries: 2 });
    const started = Date.now();
    const res = await retrying.chat.completions.create(
      { model: 'rate-limited', messages: [{ role: 'user', content: 'again' }] },
      { headers: { 'x-test-id': 'retry-1' } },
    );
    const elapsed = Date.now() - started;
    expect(res.choices[0].message.content).toBe('echo: again');
    expect(fake.requests).toHaveLength(2);
    // SDK backoff without the header would be <= 500 ms; retry-after: 1 makes it wait a full second.
    expect(elapsed).toBeGreaterThanOrEqual(950);
    // A different x-test-id gets its own failure budget.
    const err = await rejection(
      client.chat.completions.create(
        { model: 'rate-limited', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-test-id': 'retry-2' } },
      ),
    );
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('1');
  });

  it('maps overloaded / quota / bad-request to the SDK error classes', async () => {
    const call = (model: string): Promise<unknown> =>
      rejection(client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }));
    const overloaded = await call('overloaded');
    expect(overloaded).toBeInstanceOf(OpenAI.InternalServerError);
    expect((overloaded as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    const quota = await call('quota');
    expect(quota).toBeInstanceOf(OpenAI.RateLimitError);
    expect((quota as InstanceType<typeof OpenAI.APIError>).code).toBe('insufficient_quota');
    const bad = await call('bad-request');
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.APIError>).param).toBe('messages');
  });

  it('raises APIError for an error event mid-stream and as the first event', async () => {
    const midway = await client.chat.completions.create({
      model: 'stream-error-midway',
      stream: true,
      messages: [{ role: 'user', content: 'a b c d e' }],
    });
    const seen: string[] = [];
    const err = await rejection(
      (async () => {
        for await (const chunk of midway) seen.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('upstream exploded');
    expect(seen.join('')).toBe('echo: a');
    const first = await client.chat.completions.create({
      model: 'stream-first-error',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    });
    const firstErr = await rejection(
      (async () => {
        for await (const _chunk of first) seen.push('unexpected');
      })(),
    );
    expect(firstErr).toBeInstanceOf(OpenAI.APIError);
    expect(seen).not.toContain('unexpected');
  });

  it('survives odd byte splits (including inside UTF-8 characters) and CRLF keep-alive streams', async () => {
    for (const model of ['stream-odd-splits', 'stream-keepalive']) {
      const runner = client.chat.completions.stream({ model, messages: [{ role: 'user', content: 'hi' }] });
      const final = await runner.finalChatCompletion();
      const expected = model === 'stream-odd-splits' ? 'echo: hi héllo wörld ✓' : 'echo: hi';
      expect(final.choices[0].message.content).toBe(expected);
    }
  });

  it('puts keep-alive comments, CRLF and split UTF-8 on the raw wire', async () => {
    const raw = async (model: string): Promise<{ text: string; reads: number }> => {
      const res = await fetch(`${fake.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPENAI_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const bytes: Uint8Array[] = [];
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes.push(chunk);
      return { text: Buffer.concat(bytes).toString('utf8'), reads: bytes.length };
    };
    const keepalive = await raw('stream-keepalive');
    expect(keepalive.text).toContain(': keep-alive\r\n\r\n');
    expect(keepalive.text).toContain('data: [DONE]\r\n\r\n');
    expect(keepalive.text.replace(/\r\n/g, '')).not.toMatch(/\n/);
    const odd = await raw('stream-odd-splits');
    expect(odd.reads).toBeGreaterThan(10);
    expect(odd.text).toContain('"content":" ✓"');
    expect(odd.text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('counts a client abort of a slow stream', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'stream-slow', stream: true, messages: [{ role: 'user', content: 'x' }] },
      { signal: controller.signal },
    );
    let received = 0;
    for await (const _chunk of stream) {
      if (++received === 3) controller.abort();
    }
    expect(received).toBe(3);
    await waitFor(() => fake.aborted === 1);
  });

  it('delays the first byte and hangs until the client gives up', async () => {
    const started = Date.now();
    await client.chat.completions.create({ model: 'slow-first-byte', messages: [{ role: 'user', content: 'x' }] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const err = await rejection(
      client.chat.completions.create({ model: 'hang', messages: [{ role: 'user', content: 'x' }] }, { timeout: 200 }),
    );
    expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await waitFor(() => fake.aborted === 1);
  });

  it('answers `fast` from precomputed bytes (plain and streamed)', async () => {
    const res = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'x' }] });
    expect(res.choices[0].message.content).toBe('ok');
    const again = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'x' }] });
    expect(again.id).not.toBe(res.id);
    const stream = await client.chat.completions.create({
      model: 'fast',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'x' }],
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('ok');
    expect(usage).toMatchObject({ total_tokens: 9 });
  });

  it('serves Azure deployment paths (api-key, api-version) and the Gemini compat prefix', async () => {
    const azure = new AzureOpenAI({ apiKey: OPENAI_KEY, endpoint: fake.url, apiVersion: '2024-10-21', maxRetries: 0 });
    const res = await azure.chat.completions.create({
      model: 'my-deployment',
      messages: [{ role: 'user', content: 'az' }],
    });
    expect(res.choices[0].message.content).toBe('echo: az');
    expect(fake.requests[0].path).toBe('/openai/deployments/my-deployment/chat/completions');
    expect(fake.requests[0].query['api-version']).toBe('2024-10-21');
    expect(fake.requests[0].headers['api-key']).toBe(OPENAI_KEY);
    const emb = await azure.embeddings.create({ model: 'embed-deployment', input: 'x' });
    expect(emb.data[0].embedding).toHaveLength(8);
    const overloaded = await rejection(
      azure.chat.completions.create({ model: 'overloaded', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(overloaded).toBeInstanceOf(OpenAI.InternalServerError);

    const noVersion = await fetch(`${fake.url}/openai/deployments/d/chat/completions`, {
      method: 'POST',
      headers: { 'api-key': OPENAI_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(noVersion.status).toBe(404);
    const badAzureKey = await fetch(`${fake.url}/openai/deployments/d/chat/completions?api-version=2024-10-21`, {
      method: 'POST',
      headers: { 'api-key': 'nope', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(badAzureKey.status).toBe(401);

    const gemini = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${fake.url}/v1beta/openai`, maxRetries: 0 });
    const g = await gemini.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'gm' }],
    });
    expect(g.choices[0].message.content).toBe('echo: gm');
  });
});

describe('fake server lifecycle', () => {
  it('stop() ends hanging requests (not counted as client aborts); record: false skips recording', async () => {
    const fake = await startFakeOpenAI({ record: false });
    const pending = fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPENAI_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'hang', messages: [{ role: 'user', content: 'x' }] }),
    }).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 50));
    await fake.stop();
    expect(await pending).toBe('failed');
    expect(fake.aborted).toBe(0);
    expect(fake.requests).toHaveLength(0);
  });

  it('answers unknown routes with provider-style 404s', async () => {
    const openai = await startFakeOpenAI();
    const anthropic = await startFakeAnthropic();
    try {
      const a = await fetch(`${openai.url}/v1/nope`, { headers: { authorization: `Bearer ${OPENAI_KEY}` } });
      expect(a.status).toBe(404);
      expect(await a.json()).toMatchObject({ error: { message: 'Invalid URL (GET /v1/nope)' } });
      const b = await fetch(`${anthropic.url}/v1/nope`);
      expect(b.status).toBe(404);
      expect(await b.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    } finally {
      await Promise.all([openai.stop(), anthropic.stop()]);
    }
  });
});

describe('fake Anthropic against the official @anthropic-ai/sdk', () => {
  let fake: FakeServer;
  let client: Anthropic;

  beforeAll(async () => {
    fake = await startFakeAnthropic({ chunkDelayMs: 20, slowMs: 300 });
    client = new Anthropic({ apiKey: ANTHROPIC_KEY, baseURL: fake.url, maxRetries: 0 });
  });
  afterAll(() => fake.stop());
  beforeEach(() => fake.reset());

  const weather: Anthropic.Tool = {
    name: 'get_weather',
    description: 'Weather for a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  };

  it('answers a plain message with usage, request-id and rate-limit headers', async () => {
    const { data, response } = await client.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        system: 'be brief',
        messages: [{ role: 'user', content: 'hello there' }],
      })
      .withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'echo: hello there' }]);
    expect(data.stop_reason).toBe('end_turn');
    // chars: 8 + 11 = 19 -> 5, + 3 for the system prompt + 3 for the message
    expect(data.usage).toMatchObject({
      input_tokens: 11,
      output_tokens: 3,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toMatch(/^\d+$/);
    expect(response.headers.get('anthropic-ratelimit-requests-reset')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // @anthropic-ai/sdk 1.x sends the API key as a bearer token; the fake accepts that or x-api-key.
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${ANTHROPIC_KEY}`);
    expect(fake.requests[0].headers['anthropic-version']).toBeTruthy();
  });

  it('streams via messages.stream().finalMessage() with cumulative usage', async () => {
    const events: string[] = [];
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'one two' }],
    });
    stream.on('streamEvent', (e) => events.push(e.type));
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'echo: one two' }]);
    expect(message.usage).toMatchObject({ input_tokens: 5, output_tokens: 3 });
    expect(events[0]).toBe('message_start');
    expect(events.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(events.filter((e) => e === 'content_block_delta')).toHaveLength(3);
  });

  it('returns, streams and follows up tool_use', async () => {
    const first = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools: [weather],
      messages: [{ role: 'user', content: 'weather?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content[0]).toMatchObject({
      type: 'tool_use',
      id: 'toolu_1',
      name: 'get_weather',
      input: { city: 'Paris' },
    });

    const streamed = await client.messages
      .stream({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        tools: [weather],
        messages: [{ role: 'user', content: 'weather?' }],
      })
      .finalMessage();
    expect(streamed.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    expect(streamed.stop_reason).toBe('tool_use');

    const followUp = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools: [weather],
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' }] },
      ],
    });
    expect(followUp.content).toEqual([{ type: 'text', text: 'tool said: 18C' }]);
  });

  it('reports cache creation then cache reads for a cache_control prefix (plain and streamed)', async () => {
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: 'claude-sonnet-4-5',
      max_tokens: 50,
      system: [{ type: 'text', text: 'S'.repeat(4000), cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'question' }],
    };
    const first = await client.messages.create(params);
    // prefix: ceil(4000 / 4) + 3 = 1003; total: ceil(4008 / 4) + 6 = 1008
    expect(first.usage).toMatchObject({
      cache_creation_input_tokens: 1003,
      cache_read_input_tokens: 0,
      input_tokens: 5,
    });
    expect(first.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(1003);
    const second = await client.messages
      .stream({ ...params, messages: [{ role: 'user', content: 'other question' }] })
      .finalMessage();
    expect(second.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 1003 });
    expect(second.usage.input_tokens).toBe(4 + 3);
    fake.reset();
    const afterReset = await client.messages.create(params);
    expect(afterReset.usage.cache_creation_input_tokens).toBe(1003);
  });

  it('maps 529 to OverloadedError and 429 + retry-after to a successful SDK retry', async () => {
    const err = await rejection(
      client.messages.create({ model: 'overloaded', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(err).toBeInstanceOf(Anthropic.OverloadedError);
    const apiErr = err as InstanceType<typeof Anthropic.APIError>;
    expect(apiErr.status).toBe(529);
    expect(apiErr.type).toBe('overloaded_error');
    expect(apiErr.requestID).toMatch(/^req_/);
    expect(apiErr.error).toMatchObject({ type: 'error', request_id: apiErr.requestID });

    const retrying = new Anthropic({ apiKey: ANTHROPIC_KEY, baseURL: fake.url, maxRetries: 2 });
    const started = Date.now();
    const ok = await retrying.messages.create(
      { model: 'rate-limited', max_tokens: 10, messages: [{ role: 'user', content: 'later' }] },
      { headers: { 'x-test-id': 'ant-retry' } },
    );
    expect(ok.content).toEqual([{ type: 'text', text: 'echo: later' }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.requests.filter((r) => r.headers['x-test-id'] === 'ant-retry')).toHaveLength(2);
  });

  it('validates headers and bodies like the real API', async () => {
    const post = (headers: Record<string, string>, body: unknown): Promise<Response> =>
      fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const good = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
    const noVersion = await post({ 'x-api-key': ANTHROPIC_KEY }, good);
    expect(noVersion.status).toBe(400);
    const noVersionBody = (await noVersion.json()) as { error: { type: string; message: string }; request_id: string };
    expect(noVersionBody.error.type).toBe('invalid_request_error');
    expect(noVersionBody.request_id).toBe(noVersion.headers.get('request-id'));
    const badKey = await post({ 'x-api-key': 'nope', 'anthropic-version': '2023-06-01' }, good);
    expect(badKey.status).toBe(401);
    const headers = { 'x-api-key': ANTHROPIC_KEY, 'anthropic-version': '2023-06-01' };
    const noMax = await post(headers, { ...good, max_tokens: undefined });
    expect(noMax.status).toBe(400);
    expect(((await noMax.json()) as { error: { message: string } }).error.message).toContain('max_tokens');

    const err = await rejection(
      client.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ],
      }),
    );
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toContain('roles must alternate');
  });

  it('raises on error events mid-stream and survives odd splits / keep-alive pings', async () => {
    const err = await rejection(
      client.messages
        .stream({ model: 'stream-error-midway', max_tokens: 50, messages: [{ role: 'user', content: 'a b c' }] })
        .finalMessage(),
    );
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe('overloaded_error');
    for (const model of ['stream-odd-splits', 'stream-keepalive']) {
      const message = await client.messages
        .stream({ model, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })
        .finalMessage();
      expect(message.content[0]).toMatchObject({
        text: model === 'stream-odd-splits' ? 'echo: hi héllo wörld ✓' : 'echo: hi',
      });
    }
  });

  it('counts tokens and answers `fast`', async () => {
    const counted = await client.messages.countTokens({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'abcd' }],
    });
    expect(counted.input_tokens).toBe(4);
    const fast = await client.messages.create({
      model: 'fast',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(fast.content).toEqual([{ type: 'text', text: 'ok' }]);
    const fastStreamed = await client.messages
      .stream({ model: 'fast', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .finalMessage();
    expect(fastStreamed.content[0]).toMatchObject({ type: 'text', text: 'ok' });
  });
});
