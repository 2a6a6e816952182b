import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardConfig, startHarness, type Harness } from '../support/harness';

let h: Harness;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  h = await startHarness((fakes) => ({
    ...standardConfig(fakes),
    providers: {
      ...(standardConfig(fakes).providers as object),
      // A provider nobody listens on, and one whose response headers never come.
      dead: {
        type: 'openai',
        base_url: 'http://127.0.0.1:9/v1',
        api_key: 'sk-dead-0000',
        models: ['dead-model'],
        retry: { max_retries: 1 },
      },
      slow: {
        type: 'openai',
        base_url: `${fakes.openai.url}/v1`,
        api_key: 'sk-fake-openai',
        timeouts: { headers_ms: 300 },
        retry: { max_retries: 0 },
      },
    },
    models: {
      ...(standardConfig(fakes).models as object),
      'with-dead-primary': { provider: 'dead', model: 'dead-model', fallbacks: ['gpt-4o'] },
      'quota-then-claude': { provider: 'openai', model: 'quota', fallbacks: ['claude'] },
      'slow-headers': { provider: 'slow', model: 'slow-first-byte' },
    },
  }));
  openai = new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: 'team-a-key-123', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: h.gateway.url, apiKey: 'team-a-key-123', maxRetries: 0 });
});
afterAll(() => h.stop());

const ask = (model: string, extra: Record<string, unknown> = {}) =>
  openai.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'ping pong' }],
    ...extra,
  } as OpenAI.ChatCompletionCreateParamsNonStreaming);

describe('retries and fallbacks (before anything reaches the caller)', () => {
  it('retries a 429 after the advised retry-after, then succeeds', async () => {
    const started = Date.now();
    const res = await openai.chat.completions.create(
      { model: 'rate-limited', messages: [{ role: 'user', content: 'again' }] },
      { headers: { 'x-test-id': 'retry-1' } },
    );
    expect(res.choices[0].message.content).toBe('echo: again');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // retry-after: 1 s was honoured
    const event = h.events.at(-1)!;
    expect(event.attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(event.status).toBe('success');
  });

  it('does not retry a quota 429 but moves to the fallback model (another provider)', async () => {
    const res = await ask('quota-then-claude');
    expect(res.choices[0].message.content).toBe('echo: ping pong');
    const event = h.events.at(-1)!;
    expect(event.attempts.map((a) => [a.provider, a.status])).toEqual([
      ['openai', 429],
      ['anthropic', 200],
    ]);
    expect(event.provider).toBe('anthropic');
  });

  it('falls back after retries are spent on an overloaded provider (529), across formats', async () => {
    const res = await anthropic.messages.create({
      model: 'claude-overloaded',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'fallback please' }],
    });
    expect(res.content[0]).toMatchObject({ type: 'text', text: 'echo: fallback please' });
    const event = h.events.at(-1)!;
    expect(event.attempts.map((a) => a.status)).toEqual([529, 529, 529, 200]);
    expect(event.model).toMatch(/^gpt-4o/);
  });

  it('falls back when the primary provider is unreachable', async () => {
    const res = await ask('with-dead-primary');
    expect(res.choices[0].message.content).toBe('echo: ping pong');
    const event = h.events.at(-1)!;
    expect(event.attempts.map((a) => [a.provider, a.error_type])).toEqual([
      ['dead', 'egress'],
      ['dead', 'egress'],
      ['openai', null],
    ]);
  });

  it('retries an error event that arrives as the first stream event, then answers with an HTTP error', async () => {
    const before = h.openai.requests.length;
    const err = await openai.chat.completions
      .create({ model: 'stream-first-error', messages: [{ role: 'user', content: 'x' }], stream: true })
      .catch((e: unknown) => e);
    // Nothing had been sent, so the caller gets a real status instead of a broken 200 stream...
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(500);
    // ...after 1 + max_retries upstream attempts.
    expect(h.openai.requests.length - before).toBe(3);
  });
});

describe('upstream errors reach the caller faithfully', () => {
  it('passes an OpenAI 400 through with its body', async () => {
    const err = await ask('bad-request').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages');
  });

  it('translates an Anthropic error for an OpenAI caller, keeping the status', async () => {
    const err = await ask('claude-bad-request').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/400/);
  });

  it('answers 502 naming the provider and the stage when it is unreachable', async () => {
    const err = await ask('dead-model').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as Error).message).toContain('dead');
    expect((err as Error).message).toMatch(/connect/);
    expect((err as Error).message).not.toContain('sk-dead-0000');
  });

  it('answers 504 when response headers do not come within timeouts.headers_ms', async () => {
    const err = await ask('slow-headers').catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((err as Error).message).toContain('headers_ms');
  });
});

describe('streams under stress', () => {
  it('reassembles SSE split at odd byte boundaries (multi-byte UTF-8 included)', async () => {
    const stream = await openai.chat.completions.create({
      model: 'stream-odd-splits',
      messages: [{ role: 'user', content: 'split me' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('echo: split me héllo wörld ✓');
  });

  it('ignores keep-alive comments and pings, CRLF framing (Anthropic upstream, OpenAI caller)', async () => {
    const stream = await openai.chat.completions.create({
      model: 'claude-stream-keepalive',
      messages: [{ role: 'user', content: 'keep alive' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('echo: keep alive');
  });

  it('delivers an error that arrives mid-stream to the caller and records it', async () => {
    const stream = await openai.chat.completions.create({
      model: 'stream-error-midway',
      messages: [{ role: 'user', content: 'a b c d' }],
      stream: true,
    });
    let text = '';
    await expect(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    }).rejects.toThrow(/upstream exploded/);
    expect(text.length).toBeGreaterThan(0);
    const event = h.events.at(-1)!;
    expect(event.status).toBe('error');
    expect(event.error_message).toContain('upstream exploded');
  });

  it('Anthropic mid-stream overload reaches an Anthropic caller as an error event', async () => {
    const stream = anthropic.messages.stream({
      model: 'claude-stream-error',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'one two three' }],
    });
    await expect(stream.finalMessage()).rejects.toThrow(/verloaded/);
  });

  it('aborts the upstream request at once when the caller hangs up mid-stream, and records it', async () => {
    const abortedBefore = h.openai.aborted;
    const controller = new AbortController();
    const res = await request(`${h.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer team-a-key-123' },
      body: JSON.stringify({ model: 'stream-slow', messages: [{ role: 'user', content: 'long' }], stream: true }),
      signal: controller.signal,
    });
    const requestId = String(res.headers['x-request-id']);
    for await (const chunk of res.body) {
      if (String(chunk).includes('w2')) break; // a few chunks in, then hang up
    }
    controller.abort();
    const event = await h.eventFor(requestId);
    expect(event.status).toBe('aborted');
    expect(event.error_type).toBe('client_disconnected');
    await expect.poll(() => h.openai.aborted, { timeout: 2000 }).toBeGreaterThan(abortedBefore);
  });
});
