import { asRecord, findFormat } from '@lessllm/formats';
import type { ApiFormat } from '@lessllm/shared';
import { CHECKPOINT_TOKENS, type PromptBlock, type RenderedPrompt } from '@lessllm/tokens';
import type { CacheMechanism, CachePolicy, CachePolicyOptions } from './cache-policy';
import { cachePolicyFor } from './cache-policy';
import type { PrefixEntry, PrefixStateStore } from './prefix-state-store';
import { InMemoryPrefixStore } from './prefix-state-store';

export interface CachePredictorOptions extends CachePolicyOptions {
  /** Shared prefix state; default a bounded in-memory LRU (one process). */
  store?: PrefixStateStore;
}

export interface CachePredictionInput {
  tenant: string | null;
  /** Provider name from the config (`openai`, `azure-eu`, `deepseek`, …). */
  provider: string;
  providerType: string | null;
  /** The served model. */
  model: string;
  prompt: RenderedPrompt;
  /** The caller's request, for OpenAI's `prompt_cache_key` and `prompt_cache_retention`. */
  request?: unknown;
  callerFormat?: ApiFormat;
  /** Call start (epoch ms). All TTL logic runs on event time, so replaying a backlog predicts what happened. */
  startedAtMs: number;
  /** When this call's cache entries become readable (default: startedAtMs): after its response began. */
  readyAtMs?: number;
  /** Remember this prompt's prefixes for later calls (default true). */
  record?: boolean;
}

export interface CachePrediction {
  estimated_cached_tokens: number;
  /** estimated_cached_tokens / estimated prompt tokens; 0 when there is no prompt. */
  estimated_cache_hit_rate: number;
  /** Predicted cache writes (explicit caching only), and the part written with a 1-hour TTL. */
  estimated_cache_write_tokens: number;
  estimated_cache_write_1h_tokens: number;
  mechanism: CacheMechanism;
}

const FIVE_MINUTES = 5 * 60_000;
const ONE_HOUR = 60 * 60_000;
const DAY = 24 * ONE_HOUR;
/** Anthropic checks at most this many blocks back from each breakpoint (§2.9). */
export const ANTHROPIC_LOOKBACK_BLOCKS = 20;

interface Hit {
  entry: PrefixEntry;
  key: string;
}

function usable(entry: PrefixEntry | null, at: number): entry is PrefixEntry {
  return entry !== null && entry.available_at_ms <= at && entry.expires_at_ms > at;
}

/**
 * Predicts provider prompt-cache reads (providers.md §4) from the prefixes of earlier calls.
 *
 * - Automatic (OpenAI, Azure, DeepSeek, Gemini implicit): the prompt's cumulative hash every 128 tokens is stored
 *   per tenant + provider + model (+ OpenAI `prompt_cache_key`). Predicted reads = the longest prefix seen within
 *   the TTL, in 128-token steps, if ≥ the provider minimum. Real providers hit probabilistically (routing, load),
 *   so this is an upper bound of what a well-behaved cache would serve.
 * - Explicit (Anthropic): only `cache_control` breakpoints (tools → system → messages) write entries; a
 *   breakpoint reads the longest prefix written earlier at a block boundary within 20 blocks before it and within
 *   its TTL (5m, or 1h). Prefixes below the model minimum are never cached.
 *
 * Because later calls only see prefixes recorded by earlier ones, events should be fed in start-time order
 * per scope; out-of-order events are handled conservatively (an entry is only readable after its writer started).
 */
export class CachePredictor {
  private readonly store: PrefixStateStore;
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly options: CachePredictorOptions = {}) {
    this.store = options.store ?? new InMemoryPrefixStore();
  }

  policyFor(input: Pick<CachePredictionInput, 'provider' | 'providerType' | 'model'>): CachePolicy {
    return cachePolicyFor(input.provider, input.providerType, input.model, this.options);
  }

  /**
   * Predictions for one tenant/provider/model run one at a time, in call order: a batch enriched with
   * `Promise.all` still sees each earlier call's prefixes.
   */
  async predict(input: CachePredictionInput): Promise<CachePrediction> {
    const policy = this.policyFor(input);
    const result =
      policy.mechanism === 'none'
        ? { cached: 0, writes: 0, writes1h: 0 }
        : await this.exclusive(`${input.tenant ?? ''}\u0001${input.provider}\u0001${input.model}`, () =>
            policy.mechanism === 'automatic'
              ? this.predictAutomatic(input, policy)
              : this.predictExplicit(input, policy),
          );
    const prompt = input.prompt.tokens;
    const cached = Math.min(result.cached, prompt);
    return {
      estimated_cached_tokens: cached,
      estimated_cache_hit_rate: prompt > 0 ? cached / prompt : 0,
      estimated_cache_write_tokens: result.writes,
      estimated_cache_write_1h_tokens: result.writes1h,
      mechanism: policy.mechanism,
    };
  }

  private async exclusive<T>(scope: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(scope) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(scope, tail);
    try {
      return await run;
    } finally {
      if (this.queues.get(scope) === tail) this.queues.delete(scope);
    }
  }

  private async predictAutomatic(input: CachePredictionInput, policy: CachePolicy) {
    const { prompt, startedAtMs: at } = input;
    const checkpoints = prompt.checkpoints;
    const promptSteps = Math.floor(prompt.tokens / CHECKPOINT_TOKENS) * CHECKPOINT_TOKENS;
    // Tokens a k-checkpoint prefix is worth, scaled to the model's tokens and rounded down to 128.
    const worth = (k: number) =>
      Math.min(
        Math.floor((k * CHECKPOINT_TOKENS * prompt.factor) / CHECKPOINT_TOKENS) * CHECKPOINT_TOKENS,
        promptSteps,
      );
    let kMin = 1;
    while (kMin <= checkpoints.length && worth(kMin) < policy.minTokens) kMin++;
    if (kMin > checkpoints.length) return { cached: 0, writes: 0, writes1h: 0 };

    const hints = openAIHints(input);
    const ttl = hints.retention24h ? DAY : policy.ttlMs;
    const scope = `${policy.family ?? ''}\u0001${input.tenant ?? ''}\u0001${input.provider}\u0001${input.model}\u0001${hints.key}`;
    const key = (k: number) => `${scope}\u0001${k}\u0001${checkpoints[k - 1]}`;

    // Prefixes are recorded together, longest first, so "k seen" implies "every shorter k seen": binary search.
    let hit: { k: number; entry: PrefixEntry } | null = null;
    const first = await this.store.get(key(kMin));
    if (usable(first, at)) {
      hit = { k: kMin, entry: first };
      let lo = kMin + 1;
      let hi = checkpoints.length;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const entry = await this.store.get(key(mid));
        if (usable(entry, at)) {
          hit = { k: mid, entry };
          lo = mid + 1;
        } else hi = mid - 1;
      }
    }

    if (input.record !== false) {
      const ready = input.readyAtMs ?? at;
      const writes: Promise<void>[] = [];
      for (let k = checkpoints.length; k >= kMin; k--) {
        const seen = hit !== null && k <= hit.k;
        const entry: PrefixEntry = {
          tokens: worth(k),
          available_at_ms: seen && hit ? Math.min(hit.entry.available_at_ms, ready) : ready,
          expires_at_ms: seen && hit ? Math.max(hit.entry.expires_at_ms, at + ttl) : at + ttl,
          ttl_ms: ttl,
        };
        writes.push(this.store.set(key(k), entry, ttl));
      }
      await Promise.all(writes);
    }
    return { cached: hit ? worth(hit.k) : 0, writes: 0, writes1h: 0 };
  }

  private async predictExplicit(input: CachePredictionInput, policy: CachePolicy) {
    const { prompt, startedAtMs: at } = input;
    const blocks = prompt.blocks;
    const scale = (b: PromptBlock) => Math.min(Math.round(b.end * prompt.factor), prompt.tokens);
    const breakpoints: number[] = [];
    blocks.forEach((b, i) => {
      if (b.cacheControl !== null) breakpoints.push(i);
    });
    if (breakpoints.length === 0) return { cached: 0, writes: 0, writes1h: 0 };

    const scope = `anthropic\u0001${input.tenant ?? ''}\u0001${input.provider}\u0001${input.model}`;
    const key = (b: PromptBlock) => `${scope}\u0001${b.end}\u0001${b.hash}`;
    let cached = 0;
    const hits = new Map<number, Hit>();
    for (const i of breakpoints) {
      for (let j = i; j >= 0 && j > i - ANTHROPIC_LOOKBACK_BLOCKS; j--) {
        const k = key(blocks[j]);
        const entry = await this.store.get(k);
        if (usable(entry, at)) {
          hits.set(j, { entry, key: k });
          cached = Math.max(cached, scale(blocks[j]));
          break;
        }
      }
    }

    const eligible = breakpoints.filter((i) => scale(blocks[i]) >= policy.minTokens);
    const lastEnd = Math.max(0, ...eligible.map((i) => scale(blocks[i])));
    const last1h = Math.max(0, ...eligible.filter((i) => blocks[i].cacheControl === '1h').map((i) => scale(blocks[i])));
    const writes = Math.max(0, lastEnd - cached);
    const writes1h = Math.min(writes, Math.max(0, last1h - cached));

    if (input.record !== false) {
      const ready = input.readyAtMs ?? at;
      const updates: Promise<void>[] = [];
      for (const i of eligible) {
        const ttl = blocks[i].cacheControl === '1h' ? ONE_HOUR : FIVE_MINUTES;
        const previous = hits.get(i)?.entry;
        const entry: PrefixEntry = {
          tokens: scale(blocks[i]),
          available_at_ms: previous ? Math.min(previous.available_at_ms, ready) : ready,
          expires_at_ms: Math.max(previous?.expires_at_ms ?? 0, at + ttl),
          ttl_ms: Math.max(previous?.ttl_ms ?? 0, ttl),
        };
        updates.push(this.store.set(key(blocks[i]), entry, entry.ttl_ms));
      }
      // A hit refreshes the entry it read (the TTL restarts on every hit).
      for (const [j, hit] of hits) {
        if (blocks[j].cacheControl !== null && eligible.includes(j)) continue;
        const refreshed = { ...hit.entry, expires_at_ms: Math.max(hit.entry.expires_at_ms, at + hit.entry.ttl_ms) };
        updates.push(this.store.set(hit.key, refreshed, hit.entry.ttl_ms));
      }
      await Promise.all(updates);
    }
    return { cached, writes, writes1h };
  }
}

/** OpenAI request fields that change caching: `prompt_cache_key` (routing bucket) and 24h retention. */
function openAIHints(input: CachePredictionInput): { key: string; retention24h: boolean } {
  const body = asRecord(input.request);
  const format = findFormat(input.callerFormat ?? 'openai-chat');
  if (!body || !format) return { key: '', retention24h: false };
  return format.analysis.promptCacheHints(body);
}
