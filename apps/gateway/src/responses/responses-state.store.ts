import type { AppLogger, LessLLMConfig, ResponseCacheStore } from '@lessllm/shared';
import { RateLimitedWarn } from '../cache/rate-limited-warn';
import { MemoryResponseCacheStore } from '../repositories/memory-response-cache.store';
import { RedisResponseCacheStore } from '../repositories/redis-response-cache.store';

/** DI token of the store behind `previous_response_id`, GET and DELETE of stored responses. */
export const RESPONSES_STATE_STORE = Symbol('RESPONSES_STATE_STORE');

/** One stored response: this turn's input, the answer, and the link to the turn before it. */
export interface StoredResponse {
  v: 1;
  id: string;
  previous_response_id: string | null;
  /** This turn's input items only (earlier turns are reached through previous_response_id). */
  input: unknown[];
  /** The Response object as the caller received it. */
  response: Record<string, unknown>;
  stored_at: number;
}

/**
 * The same key/value stores as the response cache, in their own keyspace: Redis (`responses.redis_url`, or
 * `cache.redis_url`) shared by every replica, otherwise an in-memory LRU bounded by `responses.max_total_bytes`.
 */
export function createResponsesStateStore(config: LessLLMConfig, logger: AppLogger): ResponseCacheStore {
  const { responses } = config;
  const url = responses.redis_url ?? config.cache.redis_url;
  if (!url) return new MemoryResponseCacheStore(responses.max_total_bytes);
  const warner = new RateLimitedWarn(logger);
  return new RedisResponseCacheStore(url, responses.key_prefix, (err) =>
    warner.warn({ store: 'redis', err: err.message }, 'responses store: Redis unavailable'),
  );
}

/** Keys are per tenant: one team can never read, continue or delete another team's responses. */
export function responseKey(tenant: string | null, id: string): string {
  return `${encodeURIComponent(tenant ?? '-')}:${id}`;
}

export function parseStoredResponse(raw: string | null): StoredResponse | null {
  if (raw === null) return null;
  try {
    const entry = JSON.parse(raw) as Partial<StoredResponse>;
    return entry.v === 1 && typeof entry.id === 'string' && Array.isArray(entry.input) && entry.response
      ? (entry as StoredResponse)
      : null;
  } catch {
    return null;
  }
}
