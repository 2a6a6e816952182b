import { describe, expect, it } from 'vitest';
import { backoffDelayMs, judgeStatus, retryAfterMs, retryDelayMs } from './retry-policy';

const config = { max_retries: 2, base_delay_ms: 100, max_delay_ms: 1000, max_retry_after_ms: 5000 };

describe('retry policy', () => {
  it('reads retry-after-ms before retry-after, and HTTP dates', () => {
    expect(retryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' })).toBe(250);
    expect(retryAfterMs({ 'retry-after': '2' })).toBe(2000);
    expect(retryAfterMs({ 'retry-after': new Date(10_000 + 3000).toUTCString() }, 10_000)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': 'soon' })).toBeNull();
    expect(retryAfterMs({})).toBeNull();
  });

  it('retries transient statuses but not quota 429s or caller errors', () => {
    expect(judgeStatus(429, {}, '{"error":{"code":"rate_limit_exceeded"}}')).toEqual({ retry: true, fallback: true });
    expect(judgeStatus(429, {}, '{"error":{"code":"insufficient_quota"}}')).toEqual({ retry: false, fallback: true });
    expect(judgeStatus(529, {}, '{"type":"error","error":{"type":"overloaded_error"}}')).toEqual({
      retry: true,
      fallback: true,
    });
    expect(judgeStatus(400, {}, '{}')).toEqual({ retry: false, fallback: false });
    expect(judgeStatus(401, {}, 'not json')).toEqual({ retry: false, fallback: false });
  });

  it('obeys x-should-retry over the status table', () => {
    expect(judgeStatus(500, { 'x-should-retry': 'false' }, '').retry).toBe(false);
    expect(judgeStatus(400, { 'x-should-retry': 'true' }, '').retry).toBe(true);
  });

  it('grows exponentially with jitter and caps at max_delay_ms', () => {
    expect(backoffDelayMs(0, config, () => 0)).toBe(50);
    expect(backoffDelayMs(0, config, () => 1)).toBe(100);
    expect(backoffDelayMs(2, config, () => 1)).toBe(400);
    expect(backoffDelayMs(10, config, () => 1)).toBe(1000);
  });

  it('gives up waiting when upstream asks for longer than max_retry_after_ms', () => {
    expect(retryDelayMs(0, { 'retry-after': '1' }, config)).toBe(1000);
    expect(retryDelayMs(0, { 'retry-after': '60' }, config)).toBeNull();
  });
});
