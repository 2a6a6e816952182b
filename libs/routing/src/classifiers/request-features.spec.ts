import { chatRoutingInput, messagesRoutingInput } from '@lessllm/formats';
import { describe, expect, it } from 'vitest';
import {
  extractFeatures,
  FEATURE_COUNT,
  FEATURE_NAMES,
  featureIndex,
  fromPrompt,
  namedFeatures,
} from './request-features';

const f = (prompt: string) => namedFeatures(extractFeatures(fromPrompt(prompt)));

describe('request converters', () => {
  it('reads an OpenAI chat body: text parts, tools, json response_format, max_completion_tokens', () => {
    const input = chatRoutingInput({
      model: 'gpt-4o',
      messages: [
        { role: 'developer', content: 'Be terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look at this' },
            { type: 'image_url', image_url: {} },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ function: { name: 'f', arguments: '{"q":1}' } }] },
        { role: 'tool', content: 'result' },
      ],
      tools: [{ type: 'function', function: { name: 'f' } }],
      response_format: { type: 'json_schema', json_schema: {} },
      max_tokens: 100,
      max_completion_tokens: 2048,
    });
    expect(input).toEqual({
      messages: [
        { role: 'system', text: 'Be terse.' },
        { role: 'user', text: 'Look at this' },
        { role: 'assistant', text: '{"q":1}' },
        { role: 'tool', text: 'result' },
      ],
      tools: true,
      jsonOutput: true,
      maxTokens: 2048,
    });
    expect(chatRoutingInput({ messages: [], response_format: { type: 'text' } })).toMatchObject({
      tools: false,
      jsonOutput: false,
      maxTokens: null,
    });
  });

  it('reads an Anthropic messages body: system blocks, content blocks, tool results', () => {
    const input = messagesRoutingInput({
      system: [{ type: 'text', text: 'You are a coder.' }],
      messages: [
        { role: 'user', content: 'Fix my build' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'sh', input: { cmd: 'make' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'error: x' }] },
      ],
      tools: [{ name: 'sh' }],
      max_tokens: 512,
    });
    expect(input).toEqual({
      messages: [
        { role: 'system', text: 'You are a coder.' },
        { role: 'user', text: 'Fix my build' },
        { role: 'assistant', text: '{"cmd":"make"}' },
        { role: 'tool', text: 'error: x' },
      ],
      tools: true,
      jsonOutput: false,
      maxTokens: 512,
    });
    expect(messagesRoutingInput(null)).toEqual({ messages: [], tools: false, jsonOutput: false, maxTokens: null });
  });
});

describe('extractFeatures', () => {
  it('returns one value per named feature, all finite', () => {
    const x = extractFeatures(fromPrompt('hello'));
    expect(x).toHaveLength(FEATURE_COUNT);
    expect(FEATURE_NAMES).toHaveLength(FEATURE_COUNT);
    expect([...x].every(Number.isFinite)).toBe(true);
    expect(
      [...extractFeatures({ messages: [], tools: false, jsonOutput: false, maxTokens: null })].every(Number.isFinite),
    ).toBe(true);
  });

  it('detects code, maths, reasoning, writing and small talk', () => {
    expect(f('Hi there! How are you today?').chitchat).toBe(1);
    expect(f('Write a short poem about the sea').writing).toBeGreaterThan(0.5);
    const code = f('Why does this crash?\n```python\ndef f(x):\n    return x[0]\n```');
    expect(code.code_fence).toBe(1);
    expect(code.code_terms).toBeGreaterThan(0.5);
    expect(code.code_syntax).toBeGreaterThan(0.3);
    const math = f('Solve the equation 2x + 3 = 11 and find the integral of x^2 from 0 to 3.');
    expect(math.math_terms).toBeGreaterThan(0.5);
    expect(math.math_symbols).toBeGreaterThan(0.5);
    expect(f('Think step by step: how many weekdays are there between two dates?').reasoning).toBeGreaterThan(0.7);
    // "write" in a coding request is not a writing cue
    expect(f('Write a Rust function that parses an integer').writing).toBeLessThan(0.2);
  });

  it('measures non-Latin script share, lengths, depth and the output budget', () => {
    expect(f('Привет, как дела?').non_latin).toBe(1);
    expect(f('hello 世界').non_latin).toBeCloseTo(2 / 7);
    expect(f('abc').len_last).toBeCloseTo(Math.log1p(3));
    const x = extractFeatures({
      messages: [
        { role: 'user', text: 'a' },
        { role: 'assistant', text: 'b' },
        { role: 'user', text: 'c' },
      ],
      tools: true,
      jsonOutput: true,
      maxTokens: 4096,
    });
    expect(x[featureIndex('turns')]).toBe(1);
    expect(x[featureIndex('len_total')]).toBeCloseTo(Math.log1p(3));
    expect(x[featureIndex('tools')]).toBe(1);
    expect(x[featureIndex('json_output')]).toBe(1);
    expect(x[featureIndex('max_tokens')]).toBeCloseTo(2);
    expect(f('x').max_tokens).toBe(0);
  });

  it('carries code/maths context into a terse follow-up', () => {
    const followUp = 'Now make it faster.';
    const alone = namedFeatures(extractFeatures(fromPrompt(followUp)));
    const inContext = namedFeatures(
      extractFeatures({
        messages: [
          { role: 'user', text: 'Implement binary search in TypeScript.' },
          { role: 'assistant', text: '```ts\nfunction search(a: number[], x: number) { return -1; }\n```' },
          { role: 'user', text: followUp },
        ],
        tools: false,
        jsonOutput: false,
        maxTokens: null,
      }),
    );
    expect(alone.ctx_code).toBe(0);
    expect(inContext.ctx_code).toBeGreaterThan(0.8);
    expect(inContext.code_terms).toBe(0); // the current turn itself has no code
  });

  it('scans very long prompts quickly (head and tail only)', () => {
    const long = `${'lorem ipsum dolor sit amet '.repeat(20_000)} solve the integral`;
    const t = performance.now();
    const x = namedFeatures(extractFeatures(fromPrompt(long)));
    expect(performance.now() - t).toBeLessThan(200);
    expect(x.len_last).toBeCloseTo(Math.log1p(long.length));
    expect(x.math_terms).toBeGreaterThan(0); // the tail is scanned
  });
});
