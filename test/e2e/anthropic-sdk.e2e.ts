import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardConfig, startHarness, type Harness } from '../support/harness';

let h: Harness;
let client: Anthropic;

beforeAll(async () => {
  h = await startHarness((fakes) => standardConfig(fakes));
  client = new Anthropic({ baseURL: h.gateway.url, apiKey: 'team-b-key-456', maxRetries: 0 });
});
afterAll(() => h.stop());

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('Anthropic SDK -> gateway -> Anthropic provider (native format)', () => {
  it('plain message with a system prompt, passed through with the caller key replaced', async () => {
    const { data, response } = await client.messages
      .create({
        model: 'claude',
        max_tokens: 100,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'hello claude' }],
        metadata: { user_id: 'bob' },
      })
      .withResponse();
    expect(data.content[0]).toMatchObject({ type: 'text', text: 'echo: hello claude' });
    expect(data.stop_reason).toBe('end_turn');
    expect(response.headers.get('x-lessllm-provider')).toBe('anthropic');
    const upstream = h.anthropic.requests.at(-1)!;
    expect(upstream.headers['x-api-key']).toBe('sk-ant-fake');
    // The caller's own API version reaches Anthropic (the SDK sends one; the gateway's default is for callers that do not).
    expect(upstream.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((upstream.body as { model: string }).model).toBe('claude-sonnet-4-5');
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({
      endpoint: 'messages',
      caller_format: 'anthropic-messages',
      tenant: 'team-b',
      user_id: 'bob',
      provider_type: 'anthropic',
    });
    expect(event.usage?.prompt_tokens).toBe(
      data.usage.input_tokens +
        (data.usage.cache_read_input_tokens ?? 0) +
        (data.usage.cache_creation_input_tokens ?? 0),
    );
  });

  it('streams with the SDK helper; usage and TTFT recorded', async () => {
    const stream = client.messages.stream({
      model: 'claude',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream this please' }],
    });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'echo: stream this please' });
    expect(final.usage.output_tokens).toBe(4);
    const event = h.events.at(-1)!;
    expect(event.is_streaming).toBe(true);
    expect(event.status).toBe('success');
    expect(event.usage?.completion_tokens).toBe(4);
    expect(event.timing.first_token_ms).not.toBeNull();
    expect((event.response as { content: Array<{ text: string }> }).content[0].text).toBe('echo: stream this please');
  });

  it('tools: tool_use then a tool_result turn', async () => {
    const first = await client.messages.create({
      model: 'claude',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'weather?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use')!;
    expect(use.type === 'tool_use' && use.name).toBe('get_weather');
    const second = await client.messages.create({
      model: 'claude',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: use.type === 'tool_use' ? use.id : '', content: 'rainy' }],
        },
      ],
    });
    expect(second.content[0]).toMatchObject({ type: 'text', text: 'tool said: rainy' });
  });

  it('prompt-cache usage fields arrive untouched and are normalised in the event', async () => {
    const long = 'policy '.repeat(2000);
    const body = {
      model: 'claude',
      max_tokens: 50,
      system: [{ type: 'text' as const, text: long, cache_control: { type: 'ephemeral' as const } }],
      messages: [{ role: 'user' as const, content: 'q1' }],
    };
    const write = await client.messages.create(body);
    const read = await client.messages.create(body);
    expect(write.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(read.usage.cache_read_input_tokens).toBe(write.usage.cache_creation_input_tokens);
    const event = h.events.at(-1)!;
    expect(event.usage?.cached_tokens).toBe(read.usage.cache_read_input_tokens);
    expect((event.usage_raw as { cache_read_input_tokens: number }).cache_read_input_tokens).toBe(
      read.usage.cache_read_input_tokens,
    );
  });
});

describe('cross-format translation', () => {
  it('Anthropic SDK can use an OpenAI model: request, response and usage translated', async () => {
    const res = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 64,
      system: 'Sys prompt',
      messages: [{ role: 'user', content: 'hi from anthropic' }],
    });
    expect(res.type).toBe('message');
    expect(res.content[0]).toMatchObject({ type: 'text', text: 'echo: hi from anthropic' });
    expect(res.stop_reason).toBe('end_turn');
    const sent = h.openai.requests.at(-1)!.body as {
      messages: unknown[];
      max_tokens?: number;
      max_completion_tokens?: number;
    };
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'Sys prompt' });
    expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(64);
    expect(res.usage.input_tokens).toBeGreaterThan(0);
  });

  it('Anthropic SDK streaming from an OpenAI model, with a streamed tool call', async () => {
    const stream = client.messages.stream({
      model: 'gpt-4o',
      max_tokens: 64,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'weather?' }],
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    const use = final.content.find((b) => b.type === 'tool_use');
    expect(use && use.type === 'tool_use' && use.name).toBe('get_weather');
    expect(use && use.type === 'tool_use' && typeof (use.input as { city?: unknown }).city).toBe('string');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    const sent = h.openai.requests.at(-1)!.body as { stream_options?: unknown };
    expect(sent.stream_options).toEqual({ include_usage: true });
  });
});
