import { GatewayError, type OpenAIChatRequest, type OpenAIMessage } from '@lessllm/shared';
import { describe, expect, it } from 'vitest';
import { JSON_OBJECT_INSTRUCTION, openaiRequestToAnthropic } from '../testing/legacy-api';

const MODEL = 'claude-sonnet-4-5';

function chat(messages: OpenAIMessage[], extra: Partial<OpenAIChatRequest> = {}): OpenAIChatRequest {
  return { model: 'gpt-4o', messages, ...extra };
}

function translate(req: OpenAIChatRequest, defaultMaxTokens = 4096) {
  return openaiRequestToAnthropic(req, MODEL, defaultMaxTokens);
}

function gatewayErrorOf(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a GatewayError');
}

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('openaiRequestToAnthropic: messages', () => {
  it('hoists every system and developer message into `system`, joined with newlines, in order', () => {
    const out = translate(
      chat([
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Hi' },
        { role: 'system', content: 'Never mention the weather.' },
        { role: 'user', content: 'How are you?' },
      ]),
    );
    expect(out.system).toBe('You are terse.\nAnswer in French.\nNever mention the weather.');
    // the two user messages, no longer separated, become one turn
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hi' },
          { type: 'text', text: 'How are you?' },
        ],
      },
    ]);
  });

  it('keeps a plain string user message a string and uses the upstream model', () => {
    const out = translate(chat([{ role: 'user', content: 'Hello', name: 'alice' }]));
    expect(out).toEqual({ model: MODEL, max_tokens: 4096, messages: [{ role: 'user', content: 'Hello' }] });
  });

  it('translates a multi-turn tool conversation: tool_use blocks, grouped tool_results first', () => {
    const out = translate(
      chat(
        [
          { role: 'user', content: 'Weather in Paris and Berlin?' },
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Berlin"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18°C, sunny' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '12°C, rain' }] },
          { role: 'user', content: 'Which is warmer?' },
          { role: 'assistant', content: 'Paris.' },
        ],
        { tools: [weatherTool] },
      ),
    );
    expect(out.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Berlin?' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Berlin' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18°C, sunny' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '12°C, rain' }] },
          { type: 'text', text: 'Which is warmer?' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Paris.' }] },
    ]);
  });

  it('puts tool_result blocks first even when a user message came before the tool messages', () => {
    const out = translate(
      chat([
        { role: 'user', content: 'Look it up' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'lookup', arguments: '{}' } }],
        },
        { role: 'user', content: 'please hurry' },
        { role: 'tool', tool_call_id: 'call_9', content: 'found' },
      ]),
    );
    expect(out.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_9', name: 'lookup', input: {} },
      ],
    });
    expect(out.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'call_9', content: 'found' },
        { type: 'text', text: 'please hurry' },
      ],
    });
  });

  it('treats empty tool-call arguments as an empty input object', () => {
    const out = translate(
      chat([
        { role: 'user', content: 'now?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'now', arguments: '' } }],
        },
      ]),
    );
    expect(out.messages[1].content).toEqual([{ type: 'tool_use', id: 'c', name: 'now', input: {} }]);
  });

  it('rejects tool-call arguments that are not JSON, naming the exact field', () => {
    const err = gatewayErrorOf(() =>
      translate(
        chat([
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } },
              { id: 'b', type: 'function', function: { name: 'f', arguments: '{"city": Par' } },
            ],
          },
        ]),
      ),
    );
    expect(err.kind).toBe('invalid_request');
    expect(err.status).toBe(400);
    expect(err.param).toBe('messages[1].tool_calls[1].function.arguments');
  });

  it('rejects tool-call arguments that are JSON but not an object', () => {
    const err = gatewayErrorOf(() =>
      translate(
        chat([
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '[1,2]' } }],
          },
        ]),
      ),
    );
    expect(err.param).toBe('messages[1].tool_calls[0].function.arguments');
  });

  it('maps images: data URLs to base64 sources, https URLs to url sources', () => {
    const out = translate(
      chat([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.webp' } },
          ],
        },
      ]),
    );
    expect(out.messages[0].content).toEqual([
      { type: 'text', text: 'Compare these' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.webp' } },
    ]);
  });

  it('rejects image types Anthropic cannot read, naming the part', () => {
    const err = gatewayErrorOf(() =>
      translate(
        chat([
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this' },
              { type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } },
            ],
          },
        ]),
      ),
    );
    expect(err.status).toBe(400);
    expect(err.kind).toBe('unsupported_feature');
    expect(err.param).toBe('messages[0].content[1].image_url.url');
    expect(err.message).toContain('image/bmp');
  });

  it('rejects image URLs that are neither http(s) nor base64 data URLs', () => {
    const err = gatewayErrorOf(() =>
      translate(chat([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://host/a.png' } }] }])),
    );
    expect(err.kind).toBe('invalid_request');
    expect(err.param).toBe('messages[0].content[0].image_url.url');
  });

  it.each([
    ['missing', undefined, 'messages'],
    ['empty', [], 'messages'],
    ['not an array', 'hello', 'messages'],
  ])('rejects %s messages', (_label, messages, param) => {
    const err = gatewayErrorOf(() => translate({ model: 'gpt-4o', messages } as unknown as OpenAIChatRequest));
    expect(err.kind).toBe('invalid_request');
    expect(err.param).toBe(param);
  });

  it('rejects a message without a valid role, naming it', () => {
    const err = gatewayErrorOf(() =>
      translate(
        chat([{ role: 'user', content: 'hi' }, { role: 'robot', content: 'beep' } as unknown as OpenAIMessage]),
      ),
    );
    expect(err.kind).toBe('invalid_request');
    expect(err.param).toBe('messages[1].role');
  });

  it('rejects a tool message without tool_call_id', () => {
    const err = gatewayErrorOf(() => translate(chat([{ role: 'tool', content: 'x' }])));
    expect(err.param).toBe('messages[0].tool_call_id');
  });

  it('rejects a conversation made of system messages only', () => {
    const err = gatewayErrorOf(() => translate(chat([{ role: 'system', content: 'x' }])));
    expect(err.param).toBe('messages');
  });
});

describe('openaiRequestToAnthropic: parameters', () => {
  const hello: OpenAIMessage[] = [{ role: 'user', content: 'hi' }];

  it('maps function tools, defaulting the schema to an empty object schema', () => {
    const out = translate(
      chat(hello, {
        tools: [
          { ...weatherTool, function: { ...weatherTool.function, strict: true } },
          { type: 'function', function: { name: 'ping' } },
        ],
      }),
    );
    expect(out.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Current weather for a city',
        input_schema: weatherTool.function.parameters,
        strict: true,
      },
      { name: 'ping', input_schema: { type: 'object', properties: {} } },
    ]);
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['required', { type: 'any' }],
    ['none', { type: 'none' }],
    [
      { type: 'function', function: { name: 'get_weather' } },
      { type: 'tool', name: 'get_weather' },
    ],
  ] as const)('maps tool_choice %j to %j', (toolChoice, expected) => {
    expect(translate(chat(hello, { tools: [weatherTool], tool_choice: toolChoice })).tool_choice).toEqual(expected);
  });

  it('maps parallel_tool_calls:false onto the tool choice, defaulting it to auto', () => {
    expect(translate(chat(hello, { tools: [weatherTool], parallel_tool_calls: false })).tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    expect(
      translate(chat(hello, { tools: [weatherTool], tool_choice: 'required', parallel_tool_calls: false })).tool_choice,
    ).toEqual({ type: 'any', disable_parallel_tool_use: true });
  });

  it('ignores parallel_tool_calls:false when tool_choice is none or there are no tools', () => {
    expect(
      translate(chat(hello, { tools: [weatherTool], tool_choice: 'none', parallel_tool_calls: false })).tool_choice,
    ).toEqual({ type: 'none' });
    expect(translate(chat(hello, { parallel_tool_calls: false })).tool_choice).toBeUndefined();
    expect(translate(chat(hello, { tools: [weatherTool], parallel_tool_calls: true })).tool_choice).toBeUndefined();
  });

  it('picks max_completion_tokens, then max_tokens, then the default', () => {
    expect(translate(chat(hello, { max_completion_tokens: 300, max_tokens: 200 })).max_tokens).toBe(300);
    expect(translate(chat(hello, { max_tokens: 200 })).max_tokens).toBe(200);
    expect(translate(chat(hello), 8192).max_tokens).toBe(8192);
  });

  it('clamps temperature to Anthropic’s maximum of 1 and passes top_p', () => {
    expect(translate(chat(hello, { temperature: 1.7 })).temperature).toBe(1);
    expect(translate(chat(hello, { temperature: 0.3, top_p: 0.9 }))).toMatchObject({ temperature: 0.3, top_p: 0.9 });
    expect(translate(chat(hello, { temperature: 0 })).temperature).toBe(0);
  });

  it('maps stop to stop_sequences', () => {
    expect(translate(chat(hello, { stop: 'END' })).stop_sequences).toEqual(['END']);
    expect(translate(chat(hello, { stop: ['\n\n', '###'] })).stop_sequences).toEqual(['\n\n', '###']);
    expect(translate(chat(hello, { stop: [] })).stop_sequences).toBeUndefined();
  });

  it('maps safety_identifier (preferred) or user to metadata.user_id', () => {
    expect(translate(chat(hello, { user: 'u-1' })).metadata).toEqual({ user_id: 'u-1' });
    expect(translate(chat(hello, { user: 'u-1', safety_identifier: 'hash-9' })).metadata).toEqual({
      user_id: 'hash-9',
    });
  });

  it('maps response_format json_schema to output_config.format', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const out = translate(
      chat(hello, { response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } } }),
    );
    expect(out.output_config).toEqual({ format: { type: 'json_schema', schema } });
  });

  it('emulates response_format json_object with a system instruction', () => {
    expect(translate(chat(hello, { response_format: { type: 'json_object' } })).system).toBe(JSON_OBJECT_INSTRUCTION);
    const withSystem = translate(
      chat([{ role: 'system', content: 'Be brief.' }, ...hello], { response_format: { type: 'json_object' } }),
    );
    expect(withSystem.system).toBe(`Be brief.\n${JSON_OBJECT_INSTRUCTION}`);
    expect(JSON_OBJECT_INSTRUCTION).toBe('Respond with a single valid JSON object and nothing else.');
  });

  it('passes stream through and silently drops parameters with no Anthropic meaning', () => {
    const out = translate(
      chat(hello, {
        stream: true,
        stream_options: { include_usage: true },
        seed: 42,
        store: true,
        service_tier: 'flex',
        prompt_cache_key: 'tenant-1',
        metadata: { team: 'search' },
        n: 1,
        presence_penalty: 0,
        frequency_penalty: 0,
        logprobs: false,
        top_logprobs: 0,
        logit_bias: {},
        response_format: { type: 'text' },
      }),
    );
    expect(out).toEqual({ model: MODEL, max_tokens: 4096, messages: [{ role: 'user', content: 'hi' }], stream: true });
  });

  it.each([
    ['n', { n: 3 }, 'n=3 is not supported when the model is served by Anthropic (only n=1)'],
    ['logprobs', { logprobs: true }, 'logprobs'],
    ['top_logprobs', { top_logprobs: 5 }, 'top_logprobs'],
    ['logit_bias', { logit_bias: { '50256': -100 } }, 'logit_bias'],
    ['presence_penalty', { presence_penalty: 0.5 }, 'presence_penalty=0.5'],
    ['frequency_penalty', { frequency_penalty: -1 }, 'frequency_penalty=-1'],
    ['audio', { audio: { voice: 'alloy', format: 'mp3' } }, 'audio'],
    ['modalities', { modalities: ['text', 'audio'] }, 'modalities'],
    ['functions', { functions: [{ name: 'f' }] }, 'functions'],
    ['tool_choice', { tools: [weatherTool], tool_choice: { type: 'allowed_tools', allowed_tools: {} } }, 'tool_choice'],
    ['tools[0].type', { tools: [{ type: 'web_search' }] }, "'web_search'"],
    ['response_format.type', { response_format: { type: 'regex' } }, "'regex'"],
  ])('rejects %s as unsupported with a 400 naming it', (param, extra, messagePart) => {
    const err = gatewayErrorOf(() => translate(chat(hello, extra as Partial<OpenAIChatRequest>)));
    expect(err.kind).toBe('unsupported_feature');
    expect(err.status).toBe(400);
    expect(err.code).toBe('unsupported_parameter');
    expect(err.param).toBe(param);
    expect(err.message).toContain(messagePart);
    expect(err.message).toContain('Anthropic');
  });

  it.each([['input_audio', { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }]])(
    'rejects %s content parts as unsupported, naming the part',
    (type, part) => {
      const err = gatewayErrorOf(() =>
        translate(chat([{ role: 'user', content: [{ type: 'text', text: 'listen' }, part] }])),
      );
      expect(err.kind).toBe('unsupported_feature');
      expect(err.param).toBe('messages[0].content[1]');
      expect(err.message).toContain(type);
    },
  );

  it('rejects the deprecated function role', () => {
    const err = gatewayErrorOf(() =>
      translate(
        chat([
          { role: 'user', content: 'x' },
          { role: 'function', name: 'f', content: '1' },
        ]),
      ),
    );
    expect(err.kind).toBe('unsupported_feature');
    expect(err.param).toBe('messages[1].role');
  });
});
