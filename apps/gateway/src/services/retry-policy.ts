import { DEFAULT_RETRYABLE_STATUS } from '@lessllm/providers';
import type { RetryConfig } from '@lessllm/shared';

/** 429s that mean "out of money", not "slow down": retrying cannot help, a fallback might. */
const NON_RETRYABLE_CODES = new Set([
  'insufficient_quota',
  'credit_balance_exhausted',
  'organization_spend_limit_exceeded',
  'project_spend_limit_exceeded',
  'organization_usage_limit_exceeded',
  'billing_error',
]);

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Upstream's own advice: `retry-after-ms`, then `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const ms = header(headers, 'retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const after = header(headers, 'retry-after');
  if (!after) return null;
  if (/^\d+(\.\d+)?$/.test(after.trim())) return Math.max(0, Number(after) * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function errorCodeOf(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; type?: unknown } };
    const code = parsed.error?.code ?? parsed.error?.type;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}

export interface StatusVerdict {
  /** Try the same target again (after a delay). */
  retry: boolean;
  /** Worth trying the next fallback target once retries are spent. */
  fallback: boolean;
}

/** `retryable`: the provider kind's transient statuses (ProviderAdapter.retryableStatus). */
export function judgeStatus(
  status: number,
  headers: Headers,
  body: string,
  retryable: ReadonlySet<number> = DEFAULT_RETRYABLE_STATUS,
): StatusVerdict {
  const shouldRetry = header(headers, 'x-should-retry');
  const quota = status === 429 && NON_RETRYABLE_CODES.has(errorCodeOf(body) ?? '');
  const transient = retryable.has(status) && !quota;
  const retry = shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : transient;
  return { retry, fallback: transient || quota };
}

/** Exponential backoff with equal jitter: half the step fixed, half random; never above max_delay_ms. */
export function backoffDelayMs(attempt: number, config: RetryConfig, random: () => number = Math.random): number {
  const step = Math.min(config.max_delay_ms, config.base_delay_ms * 2 ** attempt);
  return Math.round(step / 2 + random() * (step / 2));
}

/** The wait before retry number `attempt` (0-based), or null when upstream asks for longer than we wait. */
export function retryDelayMs(attempt: number, headers: Headers, config: RetryConfig): number | null {
  const advised = retryAfterMs(headers);
  if (advised !== null) return advised > config.max_retry_after_ms ? null : advised;
  return backoffDelayMs(attempt, config);
}
