import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeOpenAIProvider, standardConfig, startHarness, type Harness } from '../support/harness';

let h: Harness;
let client: OpenAI;
let teamB: OpenAI;

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

beforeAll(async () => {
  h = await startHarness((fakes) => {
    const config = standardConfig(fakes) as Record<string, any>;
    config.providers['openai-resp'] = fakeOpenAIProvider(fakes, ['responses', 'chat_completions']);
    config.providers['openai-resp-only'] = fakeOpenAIProvider(fakes, ['responses']);
    config.models['gpt-resp'] = { provider: 'openai-resp', model: 'gpt-4o-2024-08-06' };
    config.models['gpt-resp-only'] = { provider: 'openai-resp-only', model: 'gpt-4o-2024-08-06' };
    config.models['reasoner'] = { provider: 'openai-resp', model: 'gpt-5-mini' };
    config.models['gpt-resp-error'] = { provider: 'openai-resp', model: 'stream-error-midway' };
    config.models.mini = { provider: 'openai', model: 'gpt-4o-mini' };
    config.router = {
      classifier: 'features',
      default_tier: 'small',
      timeout_ms: 50,
      tiers: { small: { model: 'mini' }, large: { model: 'claude' } },
    };
    return config;
  });
  client = new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: 'team-a-key-123', maxRetries: 0 });
  teamB = new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: 'team-b-key-456', maxRetries: 0 });
});
afterAll(() => h.stop());
beforeEach(() => {
  h.openai.reset();
  h.anthropic.reset();
});

const lastUpstream = (fake: { requests: Array<{ path: string; body: unknown }> }): any => fake.requests.at(-1)!;

describe('Responses API: a provider that speaks it (pass-through)', () => {
  it('answers non-streamed, body untouched upstream, recorded with usage and reasoning tokens', async () => {
    const { data, response } = await client.responses
      .create({
        model: 'reasoner',
        input: 'hello responses',
        instructions: 'Be brief.',
        include: ['reasoning.encrypted_content'],
      })
      .withResponse();
    expect(data.output_text).toBe('echo: hello responses');
    expect(data.output.map((i) => i.type)).toEqual(['reasoning', 'message']);
    const upstream = lastUpstream(h.openai);
    expect(upstream.path).toBe('/v1/responses');
    expect(upstream.body).toMatchObject({ model: 'gpt-5-mini', input: 'hello responses', instructions: 'Be brief.' });
    expect(response.headers.get('x-lessllm-upstream-format')).toBeNull();
    const event = await h.eventFor(response.headers.get('x-request-id')!);
    expect(event).toMatchObject({
      endpoint: 'responses',
      caller_format: 'openai-responses',
      upstream_format: 'openai-responses',
      status: 'success',
    });
    expect(event.usage).toMatchObject({ reasoning_tokens: 4, completion_tokens: data.usage!.output_tokens });
    expect(event.usage_raw).toEqual(data.usage);
  });

  it('streams the typed events through, and the call record holds the completed response', async () => {
    const stream = await client.responses.create({ model: 'gpt-resp', input: 'stream one two three', stream: true });
    const types: string[] = [];
    const sequence: number[] = [];
    let completed: any = null;
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_text.delta');
    expect(types.at(-1)).toBe('response.completed');
    expect(sequence).toEqual(sequence.map((_, i) => i));
    expect(completed.output[0].content[0].text).toBe('echo: stream one two three');
    const event = h.events.at(-1)!;
    expect(event.is_streaming).toBe(true);
    expect((event.response as any).id).toBe(completed.id);
    expect(event.usage?.completion_tokens).toBe(completed.usage.output_tokens);
    expect(event.timing.first_token_ms).not.toBeNull();
  });
});

describe('Responses API translated to Anthropic Messages and Chat Completions', () => {
  for (const [label, model, fake, path] of [
    ['Anthropic', 'claude', 'anthropic', '/v1/messages'],
    ['Chat Completions', 'gpt-4o', 'openai', '/v1/chat/completions'],
  ] as const) {
    it(`${label}: a plain answer, instructions as the system prompt, usage mapped`, async () => {
      const { data, response } = await client.responses
        .create({
          model,
          input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi there' }] }],
          instructions: 'Be brief.',
        })
        .withResponse();
      expect(data.object).toBe('response');
      expect(data.id).toMatch(/^resp_/);
      expect(data.status).toBe('completed');
      expect(data.output_text).toBe('echo: hi there');
      expect(data.usage!.input_tokens).toBeGreaterThan(0);
      expect(response.headers.get('x-lessllm-upstream-format')).toBe(
        fake === 'anthropic' ? 'anthropic-messages' : 'openai-chat',
      );
      const upstream = lastUpstream(h[fake]);
      expect(upstream.path).toBe(path);
      if (fake === 'anthropic') expect(upstream.body.system).toBe('Be brief.');
      else expect(upstream.body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
      const event = await h.eventFor(response.headers.get('x-request-id')!);
      expect(event).toMatchObject({
        caller_format: 'openai-responses',
        upstream_format: fake === 'anthropic' ? 'anthropic-messages' : 'openai-chat',
      });
      expect(event.response).toEqual(JSON.parse(JSON.stringify(data)));
    });

    it(`${label}: streams in the Responses event grammar`, async () => {
      const stream = await client.responses.create({ model, input: 'count one two three', stream: true });
      const types: string[] = [];
      let text = '';
      let completed: any = null;
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'response.output_text.delta') text += event.delta;
        if (event.type === 'response.completed') completed = event.response;
      }
      expect(types.slice(0, 4)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
      ]);
      expect(types.slice(-4)).toEqual([
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      expect(text).toBe('echo: count one two three');
      expect(completed.output[0].content[0].text).toBe(text);
      expect(completed.usage.output_tokens).toBeGreaterThan(0);
      const event = h.events.at(-1)!;
      expect((event.response as any).output_text).toBe(text);
    });

    it(`${label}: a tool round trip with function_call_output`, async () => {
      const first = await client.responses.create({ model, input: 'weather in Paris?', tools: [weatherTool] });
      const call = first.output.find((i) => i.type === 'function_call');
      expect(call).toMatchObject({ type: 'function_call', name: 'get_weather' });
      expect(JSON.parse((call as any).arguments)).toEqual({ city: 'Paris' });
      const second = await client.responses.create({
        model,
        tools: [weatherTool],
        input: [
          { role: 'user', content: 'weather in Paris?' },
          call as any,
          { type: 'function_call_output', call_id: (call as any).call_id, output: '18C and sunny' },
        ],
      });
      expect(second.output_text).toBe('tool said: 18C and sunny');
      const upstream = lastUpstream(h[fake]);
      if (fake === 'anthropic') {
        expect(upstream.body.messages[1].content[0]).toMatchObject({
          type: 'tool_use',
          name: 'get_weather',
          input: { city: 'Paris' },
        });
        expect(upstream.body.messages[2].content[0]).toMatchObject({ type: 'tool_result', content: '18C and sunny' });
      } else {
        expect(upstream.body.messages[1].tool_calls[0].function.name).toBe('get_weather');
        expect(upstream.body.messages[2]).toMatchObject({ role: 'tool', content: '18C and sunny' });
      }
    });
  }

  it('JSON schema output reaches Anthropic as output_config.format', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    await client.responses.create({
      model: 'claude',
      input: 'json please',
      text: { format: { type: 'json_schema', name: 'reply', schema } },
    });
    expect(lastUpstream(h.anthropic).body.output_config).toEqual({ format: { type: 'json_schema', schema } });
  });

  it('a mid-stream upstream error becomes an error event and response.failed, and the SDK throws', async () => {
    const stream = await client.responses.create({ model: 'claude-stream-error', input: 'x', stream: true });
    const types: string[] = [];
    const err = await (async () => {
      for await (const event of stream) types.push(event.type);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(types).toContain('response.output_text.delta');
    const event = h.events.at(-1)!;
    expect(event.status).toBe('error');
    expect(event.error_type).toBeTruthy();
  });

  it('a pass-through stream error keeps the upstream events as they came', async () => {
    const stream = await client.responses.create({
      model: 'gpt-resp-error',
      input: 'one two three four five six',
      stream: true,
    });
    const err = await (async () => {
      for await (const _ of stream) void _;
    })().catch((e: unknown) => e);
    expect(String(err)).toContain('upstream exploded');
    expect(h.events.at(-1)!.status).toBe('error');
  });
});

describe('previous_response_id: the gateway keeps the conversation', () => {
  it('continues a conversation on another upstream: the whole history is sent, the id never is', async () => {
    const first = await client.responses.create({ model: 'claude', input: 'My name is Ada.' });
    const second = await client.responses.create({
      model: 'gpt-resp',
      input: 'What is my name?',
      previous_response_id: first.id,
    });
    expect(second.previous_response_id).toBe(first.id);
    const upstream = lastUpstream(h.openai);
    expect(upstream.body.previous_response_id).toBeUndefined();
    expect(upstream.body.input).toEqual([
      { type: 'message', role: 'user', content: 'My name is Ada.' },
      ...JSON.parse(JSON.stringify(first.output)),
      { type: 'message', role: 'user', content: 'What is my name?' },
    ]);
    const third = await client.responses.create({
      model: 'claude',
      input: 'And again?',
      previous_response_id: second.id,
    });
    expect(third.output_text).toBe('echo: And again?');
    const messages = lastUpstream(h.anthropic).body.messages;
    expect(messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(messages[0].content).toBe('My name is Ada.');
  });

  it('GET returns a stored response; DELETE removes it; other tenants see neither', async () => {
    const created = await client.responses.create({ model: 'gpt-4o', input: 'keep me' });
    const fetched = await client.responses.retrieve(created.id);
    expect(fetched.id).toBe(created.id);
    expect(fetched.output_text ?? (fetched.output[0] as any).content[0].text).toBe('echo: keep me');
    await expect(teamB.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(teamB.responses.delete(created.id)).rejects.toMatchObject({ status: 404 });
    const deleted = await request(`${h.gateway.url}/v1/responses/${created.id}`, {
      method: 'DELETE',
      headers: { authorization: 'Bearer team-a-key-123' },
    });
    expect(deleted.statusCode).toBe(200);
    expect(await deleted.body.json()).toEqual({ id: created.id, object: 'response.deleted', deleted: true });
    await expect(client.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it('an unknown id is a 404 in the Responses error format; store: false keeps nothing', async () => {
    const err = await client.responses
      .create({ model: 'gpt-4o', input: 'x', previous_response_id: 'resp_nope' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404, code: 'previous_response_not_found', param: 'previous_response_id' });
    expect(h.openai.requests).toHaveLength(0);
    const ephemeral = await client.responses.create({ model: 'gpt-4o', input: 'forget me', store: false });
    await expect(client.responses.retrieve(ephemeral.id)).rejects.toMatchObject({ status: 404 });
    await expect(
      client.responses.create({ model: 'gpt-4o', input: 'y', previous_response_id: ephemeral.id }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("another tenant cannot continue a team's conversation", async () => {
    const first = await client.responses.create({ model: 'gpt-4o', input: 'secret' });
    await expect(
      teamB.responses.create({ model: 'gpt-4o', input: 'y', previous_response_id: first.id }),
    ).rejects.toMatchObject({ status: 404 });
  });
});

describe('Responses calls through the exact cache and the router', () => {
  const unique = (text: string) => `${text} ${Math.random().toString(36).slice(2)}`;

  async function collect(stream: AsyncIterable<OpenAI.Responses.ResponseStreamEvent>) {
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    return events;
  }

  it('a hit replays the answer as a new response (fresh id, stored for the next turn), streamed or not', async () => {
    for (const model of ['gpt-resp', 'claude']) {
      const body = { model, input: unique('cache this'), temperature: 0 };
      const first = await client.responses.create(body).withResponse();
      expect(first.response.headers.get('x-lessllm-cache')).toBe('miss');
      const upstreamCalls = h.openai.requests.length + h.anthropic.requests.length;

      const hit = await client.responses.create({ ...body, store: true }).withResponse();
      expect(hit.response.headers.get('x-lessllm-cache')).toBe('hit');
      expect(hit.data.output_text).toBe(first.data.output_text);
      expect(hit.data.usage).toEqual(first.data.usage);
      expect(hit.data.id).not.toBe(first.data.id);
      expect(hit.data.id).toMatch(/^resp_/);

      const events = await collect(await client.responses.create({ ...body, stream: true }));
      const types = events.map((e) => e.type);
      expect(types[0]).toBe('response.created');
      expect(types).toContain('response.output_text.delta');
      expect(types.at(-1)).toBe('response.completed');
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
      const text = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : [])).join('');
      expect(text).toBe(first.data.output_text);
      const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
      expect(completed.response.usage).toEqual(first.data.usage);
      expect(completed.response.id).not.toBe(first.data.id);
      expect(h.openai.requests.length + h.anthropic.requests.length).toBe(upstreamCalls);

      // The replayed response is a conversation turn like any other.
      const next = await client.responses.create({ model, input: 'and then?', previous_response_id: hit.data.id });
      expect(next.previous_response_id).toBe(hit.data.id);
    }
  });

  it('model "auto" routes a Responses call by its text; tier names work as models', async () => {
    const simple = await client.responses.create({ model: 'auto', input: 'Hi! How are you today?' }).withResponse();
    expect(simple.response.headers.get('x-lessllm-tier')).toBe('small');
    expect(lastUpstream(h.openai).body).toMatchObject({ model: 'gpt-4o-mini' });
    const event = await h.eventFor(simple.response.headers.get('x-request-id')!);
    expect(event).toMatchObject({ requested_model: 'auto', caller_format: 'openai-responses' });
    expect(event.route).toMatchObject({ tier: 'small', classifier: 'features', source: 'router' });

    const hard = await client.responses
      .create({
        model: 'auto',
        instructions: 'You are a careful mathematician.',
        input: [
          {
            role: 'user',
            content: [
              {
                type: 'input_text',
                text:
                  'Prove step by step that the sum of the first n odd numbers is n^2, then write a Python function ' +
                  '`def check(n: int) -> bool` that verifies it for every n up to 1000 and explain its time complexity.',
              },
            ],
          },
        ],
        stream: true,
      })
      .withResponse();
    const events = await collect(hard.data);
    expect(hard.response.headers.get('x-lessllm-tier')).toBe('large');
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(lastUpstream(h.anthropic).body).toMatchObject({ model: 'claude-sonnet-4-5' });

    const named = await client.responses.create({ model: 'large', input: 'tier by name' }).withResponse();
    expect(named.response.headers.get('x-lessllm-tier')).toBe('large');
    expect(named.data.output_text).toBe('echo: tier by name');
  });
});

describe('other callers on a provider that only offers the Responses API', () => {
  it('a Chat Completions caller, plain and streamed, with tools', async () => {
    const chat = await client.chat.completions.create({
      model: 'gpt-resp-only',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'via responses' },
      ],
    });
    expect(chat.choices[0].message.content).toBe('echo: via responses');
    expect(chat.usage!.prompt_tokens).toBeGreaterThan(0);
    const upstream = lastUpstream(h.openai);
    expect(upstream.path).toBe('/v1/responses');
    expect(upstream.body).toMatchObject({ instructions: 'Be brief.', store: false });

    const stream = await client.chat.completions.create({
      model: 'gpt-resp-only',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherTool.parameters } }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let args = '';
    let finish: string | null = null;
    let usage: unknown = null;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) args += call.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    expect(finish).toBe('tool_calls');
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number) });
    expect(lastUpstream(h.openai).body.tools[0]).toMatchObject({
      type: 'function',
      name: 'get_weather',
      strict: false,
    });
  });

  it('an Anthropic Messages caller', async () => {
    const res = await request(`${h.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'team-a-key-123', 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'gpt-resp-only',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hello claude caller' }],
      }),
    });
    const body = (await res.body.json()) as any;
    expect(res.statusCode).toBe(200);
    expect(body).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn' });
    expect(body.content[0].text).toBe('echo: hello claude caller');
    expect(body.usage.input_tokens).toBeGreaterThan(0);
    expect(lastUpstream(h.openai).body).toMatchObject({ max_output_tokens: 100 });
  });
});

describe('bad input and transports', () => {
  it('a missing input is a 400 naming the field', async () => {
    const err = await client.responses.create({ model: 'gpt-4o' } as never).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, param: 'input' });
  });

  it('a WebSocket upgrade is answered 426 with the reason, so clients fall back to SSE', async () => {
    const { connect } = await import('node:net');
    const url = new URL(h.gateway.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          'GET /v1/responses HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        );
      });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply.startsWith('HTTP/1.1 426 Upgrade Required')).toBe(true);
    expect(reply).toContain('websocket_not_supported');
  });
});
