import { describe, expect, it } from 'vitest';
import { boundCallEvent, jsonCharsAtMost, truncateJson } from './bounded-bodies';
import type { CallEvent } from './call-event';

const event = (request: unknown, response: unknown): CallEvent =>
  ({ version: 2, request_id: 'r1', request, response }) as unknown as CallEvent;

describe('truncateJson', () => {
  it('leaves a body within budget as it is (same object)', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    const out = truncateJson(body, 1000);
    expect(out.cut).toBe(false);
    expect(out.value).toBe(body);
  });

  it('cuts the long strings of a large body, keeping its shape and valid JSON within budget', () => {
    const body = {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'x'.repeat(2_000_000) },
        { role: 'user', content: 'y'.repeat(500_000) },
      ],
    };
    const out = truncateJson(body, 100_000);
    expect(out.cut).toBe(true);
    const text = JSON.stringify(out.value);
    expect(text.length).toBeLessThanOrEqual(100_000);
    const cut = JSON.parse(text);
    expect(cut.model).toBe('gpt-4o');
    expect(cut.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'user']);
    expect(cut.messages[0].content).toBe('Be brief.');
    expect(cut.messages[1].content).toMatch(/^x+…\[\+\d+ chars\]$/);
    expect(out.originalChars).toBeGreaterThan(2_500_000);
  });

  it('records a body whose structure alone is too large, or that is nested too deep, as a marker', () => {
    const numbers = { data: Array.from({ length: 200_000 }, (_, i) => i) };
    expect(truncateJson(numbers, 10_000).value).toMatchObject({ lessllm_truncated: true });
    let deep: unknown = 'leaf';
    for (let i = 0; i < 5_000; i++) deep = [deep];
    const out = truncateJson(deep, 1_000_000);
    expect(out.value).toMatchObject({ lessllm_truncated: true, reason: expect.stringContaining('deeper') });
    expect(() => JSON.stringify(out.value)).not.toThrow();
  });
});

describe('boundCallEvent', () => {
  it('returns the event itself when both bodies fit, and does not walk more than the budget to know', () => {
    const e = event({ a: 'b' }, { c: 'd' });
    expect(boundCallEvent(e, 1000)).toBe(e);
    expect(jsonCharsAtMost({ huge: 'z'.repeat(10_000), more: ['q'.repeat(10_000)] }, 100)).toBeGreaterThan(100);
  });

  it('cuts only the body that is too large and says how large it was', () => {
    const request = { messages: [{ role: 'user', content: 'p'.repeat(50_000) }] };
    const response = { choices: [{ message: { content: 'short' } }] };
    const out = boundCallEvent(event(request, response), 10_000);
    expect(out.response).toBe(response);
    expect(JSON.stringify(out.request).length).toBeLessThanOrEqual(10_000);
    expect(out.truncated).toEqual({ request: expect.any(Number) });
    expect(out.truncated!.request).toBeGreaterThan(50_000);
  });

  it('trusts known sizes (the raw body lengths) instead of measuring', () => {
    const response = { text: 'r'.repeat(5_000) };
    const out = boundCallEvent(event({}, response), 1_000, { request: 2, response: 5_020 });
    expect(out.truncated).toEqual({ response: expect.any(Number) });
    expect(JSON.stringify(out.response).length).toBeLessThanOrEqual(1_000);
  });
});
