import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import Anthropic from '@anthropic-ai/sdk';
import { ChatAnthropic } from '@langchain/anthropic';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeOpenAIProvider, standardConfig, startHarness, type Harness } from '../support/harness';

/** The clients platform teams put behind a gateway in 2026, unchanged but for the base URL (issue 10). */
let h: Harness;
let openai: OpenAI;

beforeAll(async () => {
  h = await startHarness((fakes) => {
    const config = standardConfig(fakes) as Record<string, any>;
    config.providers['openai-resp'] = fakeOpenAIProvider(fakes, ['responses', 'chat_completions']);
    config.providers['chat-only'] = fakeOpenAIProvider(fakes, ['chat_completions']);
    config.models['gpt-resp'] = { provider: 'openai-resp', model: 'gpt-4o-2024-08-06' };
    config.models['instruct'] = { provider: 'openai', model: 'gpt-3.5-turbo-instruct' };
    config.models['chat-only'] = { provider: 'chat-only', model: 'gpt-4o-mini' };
    return config;
  });
  openai = new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: 'team-a-key-123', maxRetries: 0 });
});
afterAll(() => h.stop());
beforeEach(() => {
  h.openai.reset();
  h.anthropic.reset();
});

const last = (fake: { requests: Array<{ path: string; body: unknown; headers: Record<string, string> }> }): any =>
  fake.requests.at(-1)!;

const weather = tool({
  description: 'Weather in a city',
  inputSchema: jsonSchema<{ city: string }>({
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  }),
  execute: ({ city }) => Promise.resolve(`sunny in ${city}`),
});

describe('Vercel AI SDK 7', () => {
  it('createOpenAI(...)(model) speaks the Responses API: text, stream, and a tool loop', async () => {
    const provider = createOpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: 'team-a-key-123' });
    for (const model of ['gpt-resp', 'claude']) {
      const { text, usage } = await generateText({ model: provider(model), prompt: 'hello from the ai sdk' });
      expect(text).toBe('echo: hello from the ai sdk');
      expect(usage.inputTokens).toBeGreaterThan(0);
      const target = model === 'claude' ? h.anthropic : h.openai;
      expect(last(target).path).toBe(model === 'claude' ? '/v1/messages' : '/v1/responses');
    }
    expect(h.events.at(-1)!.caller_format).toBe('openai-responses');

    const streamed = streamText({ model: provider('claude'), prompt: 'stream this please' });
    let out = '';
    for await (const delta of streamed.textStream) out += delta;
    expect(out).toBe('echo: stream this please');

    const looped = await generateText({
      model: provider('claude'),
      prompt: 'weather in Paris?',
      tools: { weather },
      stopWhen: stepCountIs(3),
    });
    expect(looped.steps.length).toBeGreaterThanOrEqual(2);
    expect(looped.text).toBe('tool said: sunny in Paris');
  });

  it('createAnthropic(...) on an OpenAI model', async () => {
    const provider = createAnthropic({ baseURL: `${h.gateway.url}/v1`, apiKey: 'team-a-key-123' });
    const { text } = await generateText({ model: provider('gpt-4o'), prompt: 'hi from anthropic provider' });
    expect(text).toBe('echo: hi from anthropic provider');
  });
});

describe('LangChain JS', () => {
  it('ChatOpenAI({ useResponsesApi: true }) on a Responses provider and on Claude', async () => {
    for (const model of ['gpt-resp', 'claude']) {
      const chat = new ChatOpenAI({
        model,
        apiKey: 'team-a-key-123',
        configuration: { baseURL: `${h.gateway.url}/v1` },
        useResponsesApi: true,
        maxRetries: 0,
      });
      const reply = await chat.invoke('hello langchain');
      expect(reply.text).toBe('echo: hello langchain');
      let streamed = '';
      for await (const chunk of await chat.stream('stream langchain')) streamed += chunk.text;
      expect(streamed).toBe('echo: stream langchain');
    }
    expect(h.events.at(-1)!.caller_format).toBe('openai-responses');
  });

  it('ChatAnthropic on an OpenAI model, with a tool call', async () => {
    const chat = new ChatAnthropic({
      model: 'gpt-4o',
      apiKey: 'team-a-key-123',
      anthropicApiUrl: h.gateway.url,
      maxRetries: 0,
    });
    const withTools = chat.bindTools([
      {
        name: 'get_weather',
        description: 'Weather',
        schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ]);
    const reply = await withTools.invoke('weather in Paris?');
    expect(reply.tool_calls?.[0]).toMatchObject({ name: 'get_weather', args: { city: 'Paris' } });
  });
});

describe('openai SDK legacy completions', () => {
  it('passed to an upstream that serves /v1/completions, streamed and not', async () => {
    const res = await openai.completions.create({
      model: 'instruct',
      prompt: 'Say this is a test',
      max_tokens: 7,
      echo: true,
    });
    expect(res.choices[0].text).toBe('Say this is a testecho: Say this is a test');
    expect(last(h.openai)).toMatchObject({
      path: '/v1/completions',
      body: { model: 'gpt-3.5-turbo-instruct', echo: true },
    });
    const stream = await openai.completions.create({
      model: 'instruct',
      prompt: 'one two',
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('echo: one two');
    expect(usage).toMatchObject({ completion_tokens: 3 });
    const event = h.events.at(-1)!;
    expect(event).toMatchObject({
      endpoint: 'completions',
      caller_format: 'openai-completions',
      upstream_format: 'openai-completions',
    });
    expect(event.usage?.completion_tokens).toBe(3);
  });

  it('translated where exact (one prompt -> one user turn) on chat-only and Anthropic upstreams', async () => {
    for (const [model, fake] of [
      ['chat-only', h.openai],
      ['claude', h.anthropic],
    ] as const) {
      const res = await openai.completions.create({ model, prompt: 'translate me', max_tokens: 50 });
      expect(res.object).toBe('text_completion');
      expect(res.choices[0]).toMatchObject({ index: 0, text: 'echo: translate me', finish_reason: 'stop' });
      const sent = last(fake).body;
      expect(sent.messages).toEqual([{ role: 'user', content: 'translate me' }]);
      expect(sent.max_tokens).toBe(50);
      let streamed = '';
      for await (const chunk of await openai.completions.create({ model, prompt: 'stream me', stream: true }))
        streamed += chunk.choices[0]?.text ?? '';
      expect(streamed).toBe('echo: stream me');
    }
    // No max_tokens: the legacy default of 16 holds after translation too.
    await openai.completions.create({ model: 'claude', prompt: 'default length' });
    expect(last(h.anthropic).body.max_tokens).toBe(16);
  });

  it.each([
    ['echo', { echo: true }],
    ['logprobs', { logprobs: 2 }],
    ['suffix', { suffix: ' end' }],
    ['best_of', { best_of: 3 }],
  ])('refuses %s on a chat-only upstream with a 400 naming it', async (param, extra) => {
    const err = await openai.completions
      .create({ model: 'claude', prompt: 'x', ...extra } as never)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, param });
    expect(h.anthropic.requests).toHaveLength(0);
  });
});

describe('Anthropic SDK with betas', () => {
  it('client.beta.messages.create: its betas and the beta body fields reach Anthropic', async () => {
    const anthropic = new Anthropic({ baseURL: h.gateway.url, apiKey: 'team-a-key-123', maxRetries: 0 });
    const msg = await anthropic.beta.messages.create({
      model: 'claude',
      max_tokens: 100,
      betas: ['context-management-2025-06-27'],
      context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
      messages: [{ role: 'user', content: 'with betas' }],
    } as never);
    expect((msg as any).content[0].text).toBe('echo: with betas');
    const sent = last(h.anthropic);
    expect(sent.headers['anthropic-beta']).toBe('context-management-2025-06-27');
    expect(sent.body.context_management).toEqual({ edits: [{ type: 'clear_tool_uses_20250919' }] });
  });
});
