import { SseParser, type SseEvent } from '@lessllm/shared';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeOpenAIProvider, standardConfig, startHarness, type Harness } from '../support/harness';

/**
 * The contract every wire format keeps, as caller and as upstream: the same cases for every caller format ×
 * upstream format pair, on the wire (raw HTTP and SSE, no SDK smoothing anything over). Same-format pairs are the
 * pass-through baseline; the others go through the internal representation both ways.
 */
type Json = Record<string, any>;

interface Case {
  system?: string;
  turns: Array<{ role: 'user' | 'assistant'; text: string }>;
  tools?: boolean;
  /** A second turn answering the first turn's tool call with this result. */
  toolResult?: { callId: string; name: string; args: string; result: string };
  json?: boolean;
  image?: boolean;
  stream?: boolean;
}

interface Answer {
  text: string;
  toolCalls: Array<{ id: string; name: string; args: Json }>;
  usage: { input: number; output: number } | null;
  error?: string;
}

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WEATHER = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const SCHEMA = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };

interface Driver {
  path: string;
  headers: Record<string, string>;
  body(c: Case, model: string): Json;
  read(json: Json): Answer;
  readStream(events: SseEvent[]): Answer;
  isError(json: Json): boolean;
  /** Which cases the format can express at all. */
  expresses(c: Case): boolean;
}

const chat: Driver = {
  path: '/v1/chat/completions',
  headers: { authorization: 'Bearer team-a-key-123' },
  expresses: () => true,
  body(c, model) {
    const messages: Json[] = [];
    if (c.system) messages.push({ role: 'system', content: c.system });
    c.turns.forEach((t, i) => {
      const image = c.image && i === c.turns.length - 1;
      messages.push({
        role: t.role,
        content: image
          ? [
              { type: 'text', text: t.text },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            ]
          : t.text,
      });
    });
    if (c.toolResult) {
      const r = c.toolResult;
      messages.push({
        role: 'assistant',
        content: null,
        tool_calls: [{ id: r.callId, type: 'function', function: { name: r.name, arguments: r.args } }],
      });
      messages.push({ role: 'tool', tool_call_id: r.callId, content: r.result });
    }
    return {
      model,
      messages,
      ...(c.tools ? { tools: [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER } }] } : {}),
      ...(c.json ? { response_format: { type: 'json_schema', json_schema: { name: 'reply', schema: SCHEMA } } } : {}),
      ...(c.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    };
  },
  read(json) {
    const m = json.choices[0].message;
    return {
      text: m.content ?? '',
      toolCalls: (m.tool_calls ?? []).map((t: Json) => ({
        id: t.id,
        name: t.function.name,
        args: JSON.parse(t.function.arguments),
      })),
      usage: json.usage ? { input: json.usage.prompt_tokens, output: json.usage.completion_tokens } : null,
    };
  },
  readStream(events) {
    const answer: Answer = { text: '', toolCalls: [], usage: null };
    const calls: Json[] = [];
    for (const e of events) {
      if (e.data === '[DONE]') continue;
      const chunk = JSON.parse(e.data);
      if (chunk.error) answer.error = chunk.error.message;
      if (chunk.usage) answer.usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens };
      const delta = chunk.choices?.[0]?.delta ?? {};
      if (delta.content) answer.text += delta.content;
      for (const t of delta.tool_calls ?? []) {
        calls[t.index] ??= { id: t.id, name: t.function?.name, args: '' };
        calls[t.index].args += t.function?.arguments ?? '';
      }
    }
    answer.toolCalls = calls.map((t) => ({ id: t.id, name: t.name, args: JSON.parse(t.args) }));
    return answer;
  },
  isError: (json) => typeof json.error?.message === 'string' && typeof json.error?.type === 'string',
};

const messages: Driver = {
  path: '/v1/messages',
  headers: { 'x-api-key': 'team-a-key-123', 'anthropic-version': '2023-06-01' },
  expresses: () => true,
  body(c, model) {
    const turns: Json[] = c.turns.map((t, i) => {
      const image = c.image && i === c.turns.length - 1;
      return {
        role: t.role,
        content: image
          ? [
              { type: 'text', text: t.text },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            ]
          : t.text,
      };
    });
    if (c.toolResult) {
      const r = c.toolResult;
      turns.push({
        role: 'assistant',
        content: [{ type: 'tool_use', id: r.callId, name: r.name, input: JSON.parse(r.args) }],
      });
      turns.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: r.callId, content: r.result }] });
    }
    return {
      model,
      max_tokens: 200,
      messages: turns,
      ...(c.system ? { system: c.system } : {}),
      ...(c.tools ? { tools: [{ name: 'get_weather', input_schema: WEATHER }] } : {}),
      ...(c.json ? { output_config: { format: { type: 'json_schema', schema: SCHEMA } } } : {}),
      ...(c.stream ? { stream: true } : {}),
    };
  },
  read(json) {
    return {
      text: json.content
        .filter((b: Json) => b.type === 'text')
        .map((b: Json) => b.text)
        .join(''),
      toolCalls: json.content
        .filter((b: Json) => b.type === 'tool_use')
        .map((b: Json) => ({ id: b.id, name: b.name, args: b.input })),
      usage: {
        input: json.usage.input_tokens + (json.usage.cache_read_input_tokens ?? 0),
        output: json.usage.output_tokens,
      },
    };
  },
  readStream(events) {
    const answer: Answer = { text: '', toolCalls: [], usage: null };
    const blocks: Json[] = [];
    for (const e of events) {
      const ev = JSON.parse(e.data);
      if (ev.type === 'error') answer.error = ev.error.message;
      if (ev.type === 'content_block_start' && ev.content_block.type === 'tool_use')
        blocks[ev.index] = { id: ev.content_block.id, name: ev.content_block.name, args: '' };
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') answer.text += ev.delta.text;
      if (ev.type === 'content_block_delta' && ev.delta.type === 'input_json_delta')
        blocks[ev.index].args += ev.delta.partial_json;
      if (ev.type === 'message_delta' && ev.usage)
        answer.usage = { input: ev.usage.input_tokens ?? 0, output: ev.usage.output_tokens };
    }
    answer.toolCalls = blocks
      .filter(Boolean)
      .map((b) => ({ id: b.id, name: b.name, args: JSON.parse(b.args || '{}') }));
    return answer;
  },
  isError: (json) => json.type === 'error' && typeof json.error?.type === 'string',
};

const responses: Driver = {
  path: '/v1/responses',
  headers: { authorization: 'Bearer team-a-key-123' },
  expresses: () => true,
  body(c, model) {
    const input: Json[] = c.turns.map((t, i) => {
      const image = c.image && i === c.turns.length - 1;
      if (t.role === 'assistant') return { type: 'message', role: 'assistant', content: t.text };
      return {
        type: 'message',
        role: 'user',
        content: image
          ? [
              { type: 'input_text', text: t.text },
              { type: 'input_image', image_url: `data:image/png;base64,${PNG}`, detail: 'auto' },
            ]
          : t.text,
      };
    });
    if (c.toolResult) {
      const r = c.toolResult;
      input.push({ type: 'function_call', call_id: r.callId, name: r.name, arguments: r.args });
      input.push({ type: 'function_call_output', call_id: r.callId, output: r.result });
    }
    return {
      model,
      input,
      store: false,
      ...(c.system ? { instructions: c.system } : {}),
      ...(c.tools ? { tools: [{ type: 'function', name: 'get_weather', parameters: WEATHER, strict: false }] } : {}),
      ...(c.json ? { text: { format: { type: 'json_schema', name: 'reply', schema: SCHEMA } } } : {}),
      ...(c.stream ? { stream: true } : {}),
    };
  },
  read(json) {
    const items: Json[] = json.output;
    return {
      text: items
        .filter((i) => i.type === 'message')
        .flatMap((i) => i.content)
        .filter((p: Json) => p.type === 'output_text')
        .map((p: Json) => p.text)
        .join(''),
      toolCalls: items
        .filter((i) => i.type === 'function_call')
        .map((i) => ({ id: i.call_id, name: i.name, args: JSON.parse(i.arguments) })),
      usage: json.usage ? { input: json.usage.input_tokens, output: json.usage.output_tokens } : null,
    };
  },
  readStream(events) {
    const answer: Answer = { text: '', toolCalls: [], usage: null };
    let sequence = -1;
    for (const e of events) {
      const ev = JSON.parse(e.data);
      // sequence_number rises by one across the whole stream, whoever wrote it.
      expect(ev.sequence_number).toBe(sequence + 1);
      sequence = ev.sequence_number;
      if (ev.type === 'error') answer.error = ev.error?.message ?? ev.message;
      if (ev.type === 'response.output_text.delta') answer.text += ev.delta;
      if (ev.type === 'response.completed') {
        const done = responses.read(ev.response);
        answer.toolCalls = done.toolCalls;
        answer.usage = done.usage;
        expect(done.text).toBe(answer.text);
      }
    }
    return answer;
  },
  isError: (json) => typeof json.error?.message === 'string',
};

const completions: Driver = {
  path: '/v1/completions',
  headers: { authorization: 'Bearer team-a-key-123' },
  // One prompt, no roles, tools, images or JSON modes.
  expresses: (c) => c.turns.length === 1 && !c.system && !c.tools && !c.toolResult && !c.json && !c.image,
  body: (c, model) => ({
    model,
    prompt: c.turns[0].text,
    max_tokens: 100,
    ...(c.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  }),
  read: (json) => ({
    text: json.choices[0].text,
    toolCalls: [],
    usage: json.usage ? { input: json.usage.prompt_tokens, output: json.usage.completion_tokens } : null,
  }),
  readStream(events) {
    const answer: Answer = { text: '', toolCalls: [], usage: null };
    for (const e of events) {
      if (e.data === '[DONE]') continue;
      const chunk = JSON.parse(e.data);
      if (chunk.error) answer.error = chunk.error.message;
      if (chunk.usage) answer.usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens };
      answer.text += chunk.choices?.[0]?.text ?? '';
    }
    return answer;
  },
  isError: (json) => typeof json.error?.message === 'string',
};

const CALLERS = {
  'openai-chat': chat,
  'anthropic-messages': messages,
  'openai-responses': responses,
  'openai-completions': completions,
};

/** Upstream format -> alias prefix; the fakes answer per model name (`bad-request`, `stream-error-midway`). */
const UPSTREAMS = {
  'openai-chat': 'u-chat',
  'anthropic-messages': 'u-messages',
  'openai-responses': 'u-responses',
} as const;

let h: Harness;

beforeAll(async () => {
  h = await startHarness((fakes) => {
    const config = standardConfig(fakes) as Record<string, any>;
    config.providers['chat'] = fakeOpenAIProvider(fakes, ['chat_completions']);
    config.providers['resp'] = fakeOpenAIProvider(fakes, ['responses']);
    for (const [suffix, model] of [
      ['', 'gpt-4o-2024-08-06'],
      ['-bad', 'bad-request'],
      ['-midway', 'stream-error-midway'],
    ]) {
      config.models[`u-chat${suffix}`] = { provider: 'chat', model };
      config.models[`u-responses${suffix}`] = { provider: 'resp', model };
      config.models[`u-messages${suffix}`] = { provider: 'anthropic', model: suffix ? model : 'claude-sonnet-4-5' };
    }
    // Legacy completions pass through to an upstream that serves them.
    config.models['u-completions'] = { provider: 'openai', model: 'gpt-3.5-turbo-instruct' };
    return config;
  });
});
afterAll(() => h.stop());
beforeEach(() => {
  h.openai.reset();
  h.anthropic.reset();
});

async function call(
  driver: Driver,
  c: Case,
  model: string,
): Promise<{ status: number; answer: Answer | null; json: Json | null; contentType: string }> {
  const res = await request(`${h.gateway.url}${driver.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...driver.headers },
    body: JSON.stringify(driver.body(c, model)),
  });
  const text = await res.body.text();
  const contentType = String(res.headers['content-type']);
  if (contentType.startsWith('text/event-stream')) {
    const parser = new SseParser();
    const events = [...parser.push(text), ...parser.end()];
    return { status: res.statusCode, answer: driver.readStream(events), json: null, contentType };
  }
  const json = JSON.parse(text) as Json;
  return { status: res.statusCode, answer: res.statusCode === 200 ? driver.read(json) : null, json, contentType };
}

/** What the upstream fake received, in its own format's terms. */
function received(upstream: keyof typeof UPSTREAMS): Json {
  const fake = upstream === 'anthropic-messages' ? h.anthropic : h.openai;
  return fake.requests.at(-1)!.body as Json;
}

const upstreamSystem = (upstream: keyof typeof UPSTREAMS, body: Json): unknown =>
  upstream === 'openai-chat' ? body.messages[0] : upstream === 'anthropic-messages' ? body.system : body.instructions;

const upstreamTurns = (upstream: keyof typeof UPSTREAMS, body: Json): number =>
  upstream === 'openai-chat'
    ? body.messages.filter((m: Json) => m.role !== 'system').length
    : upstream === 'anthropic-messages'
      ? body.messages.length
      : body.input.length;

for (const [callerName, driver] of Object.entries(CALLERS)) {
  for (const [upstreamName, alias] of Object.entries(UPSTREAMS) as Array<[keyof typeof UPSTREAMS, string]>) {
    const model = callerName === 'openai-completions' && upstreamName === 'openai-chat' ? 'u-chat' : alias;
    describe(`${callerName} caller -> ${upstreamName} upstream`, () => {
      const cases: Array<[string, Case, (r: Awaited<ReturnType<typeof call>>) => void]> = [
        [
          'plain',
          { turns: [{ role: 'user', text: 'hello contract' }] },
          (r) => expect(r.answer!.text).toBe('echo: hello contract'),
        ],
        [
          'multi-turn',
          {
            turns: [
              { role: 'user', text: 'I am Ada' },
              { role: 'assistant', text: 'Hi Ada' },
              { role: 'user', text: 'who am I' },
            ],
          },
          (r) => {
            expect(r.answer!.text).toBe('echo: who am I');
            expect(upstreamTurns(upstreamName, received(upstreamName))).toBe(3);
          },
        ],
        [
          'system / instructions',
          { system: 'Be brief.', turns: [{ role: 'user', text: 'hi' }] },
          (r) => {
            expect(r.answer!.text).toBe('echo: hi');
            expect(JSON.stringify(upstreamSystem(upstreamName, received(upstreamName)))).toContain('Be brief.');
          },
        ],
        [
          'streaming with usage',
          { turns: [{ role: 'user', text: 'stream contract one two' }], stream: true },
          (r) => {
            expect(r.contentType).toMatch(/^text\/event-stream/);
            expect(r.answer!.text).toBe('echo: stream contract one two');
            expect(r.answer!.usage?.output).toBeGreaterThan(0);
            expect(r.answer!.error).toBeUndefined();
          },
        ],
        [
          'tools',
          { turns: [{ role: 'user', text: 'weather in Paris?' }], tools: true },
          (r) =>
            expect(r.answer!.toolCalls).toEqual([
              { id: expect.any(String), name: 'get_weather', args: { city: 'Paris' } },
            ]),
        ],
        [
          'tool results',
          {
            turns: [{ role: 'user', text: 'weather in Paris?' }],
            tools: true,
            toolResult: { callId: 'call_77', name: 'get_weather', args: '{"city":"Paris"}', result: 'sunny' },
          },
          (r) => expect(r.answer!.text).toBe('tool said: sunny'),
        ],
        [
          'streamed tools',
          { turns: [{ role: 'user', text: 'weather in Paris?' }], tools: true, stream: true },
          (r) =>
            expect(r.answer!.toolCalls).toEqual([
              { id: expect.any(String), name: 'get_weather', args: { city: 'Paris' } },
            ]),
        ],
        [
          'JSON output',
          { turns: [{ role: 'user', text: 'json please' }], json: true },
          () => {
            const body = received(upstreamName);
            const schema =
              upstreamName === 'openai-chat'
                ? body.response_format?.json_schema?.schema
                : upstreamName === 'anthropic-messages'
                  ? body.output_config?.format?.schema
                  : body.text?.format?.schema;
            expect(schema).toEqual(SCHEMA);
          },
        ],
        [
          'images',
          { turns: [{ role: 'user', text: 'what is this' }], image: true },
          () => expect(JSON.stringify(received(upstreamName))).toContain(PNG),
        ],
      ];
      // Only the cases the caller format can express (legacy completions: one prompt, no roles, tools or images).
      for (const [name, c, check] of cases.filter(([, c]) => driver.expresses(c))) {
        it(name, async () => {
          const r = await call(driver, c, model);
          expect(r.status).toBe(200);
          check(r);
        });
      }

      it('an upstream error, in the caller’s format with the upstream’s status', async () => {
        const r = await call(driver, { turns: [{ role: 'user', text: 'x' }] }, `${alias}-bad`);
        expect(r.status).toBe(400);
        expect(driver.isError(r.json!)).toBe(true);
      });

      it('a mid-stream upstream error, as the caller format’s error event', async () => {
        const r = await call(
          driver,
          { turns: [{ role: 'user', text: 'one two three four five six seven' }], stream: true },
          `${alias}-midway`,
        );
        expect(r.status).toBe(200);
        expect(r.answer!.error).toBeTruthy();
        const event = h.events.at(-1)!;
        expect(event.status).toBe('error');
      });
    });
  }
}

describe('openai-completions caller -> openai-completions upstream (pass-through)', () => {
  it('plain and streamed', async () => {
    expect((await call(completions, { turns: [{ role: 'user', text: 'legacy' }] }, 'u-completions')).answer!.text).toBe(
      'echo: legacy',
    );
    const streamed = await call(
      completions,
      { turns: [{ role: 'user', text: 'legacy stream' }], stream: true },
      'u-completions',
    );
    expect(streamed.answer!.text).toBe('echo: legacy stream');
    expect(streamed.answer!.usage?.output).toBe(3);
  });
});
