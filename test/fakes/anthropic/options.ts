import { FailureCounter } from '../shared/behaviour';
import { RateWindow } from '../shared/rate-window';
import type { FakeServerOptions } from '../shared/server';

export interface FakeAnthropicOptions extends FakeServerOptions {
  /** Accepted `x-api-key`. Default `sk-ant-fake`. */
  apiKey?: string;
  /** `rate-limited`: how many calls per `x-test-id` fail with 429 before succeeding. Default 1. */
  rateLimitFailures?: number;
  /** `retry-after` seconds on 429s. Default 1. */
  retryAfterSeconds?: number;
  /** When set, 429s also carry `retry-after-ms`. */
  retryAfterMs?: number;
  /** `slow-first-byte`: delay before the response head. Default 1500. */
  slowMs?: number;
  /** `stream-slow`: delay between SSE events. Default 50. */
  chunkDelayMs?: number;
  /** Seed for `stream-odd-splits` piece sizes (random when absent). */
  oddSplitSeed?: number;
  /** Prefixes shorter than this many (estimated) tokens are not cached, like the real minimums. Default 0. */
  minCacheableTokens?: number;
  /** `anthropic-ratelimit-requests-limit`. Default 4000. */
  requestLimit?: number;
  /** `anthropic-ratelimit-tokens-limit`. Default 2000000. */
  tokenLimit?: number;
}

export interface AnthropicFakeState {
  apiKey: string;
  retryAfterSeconds: number;
  retryAfterMs: number | undefined;
  slowMs: number;
  chunkDelayMs: number;
  oddSplitSeed: number | undefined;
  minCacheableTokens: number;
  rateLimited: FailureCounter;
  window: RateWindow;
  /** Prompt cache: prefix hash -> its token estimate. */
  cache: Map<string, number>;
  toolCounter: number;
}

export function createAnthropicState(opts: FakeAnthropicOptions): AnthropicFakeState {
  return {
    apiKey: opts.apiKey ?? 'sk-ant-fake',
    retryAfterSeconds: opts.retryAfterSeconds ?? 1,
    retryAfterMs: opts.retryAfterMs,
    slowMs: opts.slowMs ?? 1500,
    chunkDelayMs: opts.chunkDelayMs ?? 50,
    oddSplitSeed: opts.oddSplitSeed,
    minCacheableTokens: opts.minCacheableTokens ?? 0,
    rateLimited: new FailureCounter(opts.rateLimitFailures ?? 1),
    window: new RateWindow(opts.requestLimit ?? 4000, opts.tokenLimit ?? 2_000_000),
    cache: new Map(),
    toolCounter: 0,
  };
}

export function resetAnthropicState(state: AnthropicFakeState): void {
  state.rateLimited.reset();
  state.window.reset();
  state.cache.clear();
  state.toolCounter = 0;
}
