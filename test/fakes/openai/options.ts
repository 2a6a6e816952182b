import { FailureCounter } from '../shared/behaviour';
import { RateWindow } from '../shared/rate-window';
import type { FakeServerOptions } from '../shared/server';

export interface FakeOpenAIOptions extends FakeServerOptions {
  /** Accepted key (`Authorization: Bearer`, or `api-key` on Azure paths). Default `sk-fake-openai`. */
  apiKey?: string;
  /** `rate-limited`: how many calls per `x-test-id` fail with 429 before succeeding. Default 1. */
  rateLimitFailures?: number;
  /** `retry-after` seconds on 429s. Default 1. */
  retryAfterSeconds?: number;
  /** When set, 429s also carry `retry-after-ms` (which the SDKs prefer). */
  retryAfterMs?: number;
  /** `slow-first-byte`: delay before the response head. Default 1500. */
  slowMs?: number;
  /** `stream-slow`: delay between SSE events. Default 50. */
  chunkDelayMs?: number;
  /** Seed for `stream-odd-splits` piece sizes (random when absent). */
  oddSplitSeed?: number;
  /** `x-ratelimit-limit-requests`. Default 10000. */
  requestLimit?: number;
  /** `x-ratelimit-limit-tokens`. Default 2000000. */
  tokenLimit?: number;
}

export interface OpenAIFakeState {
  apiKey: string;
  retryAfterSeconds: number;
  retryAfterMs: number | undefined;
  slowMs: number;
  chunkDelayMs: number;
  oddSplitSeed: number | undefined;
  rateLimited: FailureCounter;
  window: RateWindow;
  callCounter: number;
}

export function createOpenAIState(opts: FakeOpenAIOptions): OpenAIFakeState {
  return {
    apiKey: opts.apiKey ?? 'sk-fake-openai',
    retryAfterSeconds: opts.retryAfterSeconds ?? 1,
    retryAfterMs: opts.retryAfterMs,
    slowMs: opts.slowMs ?? 1500,
    chunkDelayMs: opts.chunkDelayMs ?? 50,
    oddSplitSeed: opts.oddSplitSeed,
    rateLimited: new FailureCounter(opts.rateLimitFailures ?? 1),
    window: new RateWindow(opts.requestLimit ?? 10_000, opts.tokenLimit ?? 2_000_000),
    callCounter: 0,
  };
}

export function resetOpenAIState(state: OpenAIFakeState): void {
  state.rateLimited.reset();
  state.window.reset();
  state.callCounter = 0;
}
