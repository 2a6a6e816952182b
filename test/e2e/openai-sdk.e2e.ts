import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardConfig, startHarness, type Harness } from '../support/harness';

let h: Harness;
let client: OpenAI;

beforeAll(async () => {
  h = await startHarness((fakes) => standardConfig(fakes));
  client = new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: 'team-a-key-123', maxRetries: 0 });
});
afterAll(() => h.stop());

describe('OpenAI SDK -> gateway -> OpenAI-format provider', () => {
  it('plain chat: answer, headers naming request id, provider and model, and a CallEvent', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello there' },
        ],
        user: 'alice',
      })
      .withResponse();
    expect(data.choices[0].message.content).toBe('echo: hello there');
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    const requestId = response.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-lessllm-provider')).toBe('openai');
    expect(response.headers.get('x-lessllm-model')).toBe('gpt-4o-2024-08-06');
    expect(response.headers.get('x-ratelimit-limit-requests')).not.toBeNull();

    const upstream = h.openai.requests.at(-1)! as any;
    expect(upstream.body.model).toBe('gpt-4o-2024-08-06');
    expect(upstream.headers.authorization).toBe('Bearer sk-fake-openai');

    const event = await h.eventFor(requestId);
    expect(event).toMatchObject({
      version: 2,
      endpoint: 'chat.completions',
      requested_model: 'gpt-4o',
      model: data.model,
      provider: 'openai',
      tenant: 'team-a',
      user_id: 'alice',
      is_streaming: false,
      status: 'success',
      http_status: 200,
    });
    expect(event.usage?.prompt_tokens).toBe(data.usage?.prompt_tokens);
    expect(event.usage_raw).toEqual(data.usage);
    expect(event.response).toEqual(JSON.parse(JSON.stringify(data)));
    expect(event.timing.upstream_headers_ms).toBeGreaterThan(0);
    expect(event.timing.total_ms).toBeGreaterThanOrEqual(event.timing.upstream_headers_ms!);
    expect(JSON.stringify(event)).not.toContain('sk-fake-openai');
    expect(JSON.stringify(event)).not.toContain('team-a-key-123');
  });

  it('multi-turn conversation reaches the provider intact', async () => {
    const messages = [
      { role: 'user' as const, content: 'My name is Ada.' },
      { role: 'assistant' as const, content: 'Hello Ada.' },
      { role: 'user' as const, content: 'What is my name?' },
    ];
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(res.choices[0].message.content).toBe('echo: What is my name?');
    expect((h.openai.requests.at(-1)!.body as any).messages).toEqual(messages);
  });

  it('streams with include_usage: chunks, a usage chunk, TTFT in the event', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'count one two three' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usageChunks = 0;
    let lastId = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usageChunks++;
      lastId = chunk.id;
    }
    expect(text).toBe('echo: count one two three');
    expect(usageChunks).toBe(1);
    expect(lastId).toMatch(/^chatcmpl-/);
    const event = h.events.at(-1)!;
    expect(event.is_streaming).toBe(true);
    expect(event.status).toBe('success');
    expect(event.usage?.completion_tokens).toBe(5);
    expect(event.timing.first_token_ms).not.toBeNull();
    expect(event.output_chunks).toBeGreaterThanOrEqual(5);
    expect((event.response as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe(
      text,
    );
  });

  it('asks upstream for usage even when the caller did not, and strips that chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi you' }],
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect((h.openai.requests.at(-1)!.body as any).stream_options).toEqual({ include_usage: true });
    const event = h.events.at(-1)!;
    expect(event.usage?.completion_tokens).toBe(3);
  });

  it('tool calls, non-streamed and streamed, then the tool result turn', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const res = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'weather?' }],
      tools,
    });
    const call = res.choices[0].message.tool_calls![0];
    expect(res.choices[0].finish_reason).toBe('tool_calls');
    expect(call.type === 'function' && call.function.name).toBe('get_weather');

    const stream = client.chat.completions.stream({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'weather?' }],
      tools,
    });
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0].message.tool_calls![0];
    expect(streamed.type === 'function' && JSON.parse(streamed.function.arguments)).toEqual(
      call.type === 'function' && JSON.parse(call.function.arguments),
    );

    const after = await client.chat.completions.create({
      model: 'gpt-4o',
      tools,
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny' },
      ],
    });
    expect(after.choices[0].message.content).toBe('tool said: sunny');
  });

  it('JSON mode and images as content parts pass through', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o',
      response_format: { type: 'json_object' },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'describe' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect(JSON.parse(res.choices[0].message.content!)).toEqual({ answer: 'echo: describe' });
    const sent = h.openai.requests.at(-1)!.body as any;
    expect(sent.messages[0].content[1]).toEqual({
      type: 'image_url',
      image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' },
    });
  });

  it('embeddings (the SDK asks for base64 and decodes it)', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
    expect(res.data).toHaveLength(2);
    expect(res.data[0].embedding).toHaveLength(8);
    expect(res.data[0].embedding).not.toEqual(res.data[1].embedding);
    const event = h.events.at(-1)!;
    expect(event.endpoint).toBe('embeddings');
    expect(event.usage?.prompt_tokens).toBe(res.usage.prompt_tokens);
  });

  it('lists the aliases and provider models callers may use', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-4o', 'claude', 'gpt-4o-mini', 'claude-sonnet-4-5']));
  });
});
