import type { AppLogger, CallCacheOutcome, NormalizedUsage, ResponseCacheStore } from '@lessllm/shared';
import { hashOfStoreKey, RESPONSE_CACHE_STORE, storeKey } from '@lessllm/shared';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { GATEWAY_LOGGER } from '../config/logger.token';
import type { CallContext } from '../services/call-context';
import type { ResolvedTarget } from '../services/model-resolver.service';
import { type CachedAnswer, parseCachedAnswer } from './cache-entry';
import { exactCacheKey } from './cache-key';
import { type CacheDecision, decideCachePolicy, directiveOf, ttlHeaderOf } from './cache-policy';
import { RateLimitedWarn } from './rate-limited-warn';

/** One call's cache plan: what policy allows, and the outcome reported in the header and the CallEvent. */
export interface CachePlan {
  decision: CacheDecision;
  /** The key under the primary target (null when the cache is bypassed). */
  key: string | null;
  keyFor(target: ResolvedTarget): string;
  /** Who the entries belong to (tenant and, for bring-your-own-key callers, a digest of their key). */
  owner: { tenant: string | null; keyOwner: string | null };
  primary: ResolvedTarget;
  outcome: CallCacheOutcome;
}

export interface ResponseCacheStats {
  hits: number;
  misses: number;
  bypasses: number;
  stores: number;
  /** Lookups that failed or exceeded cache.lookup_timeout_ms (the call went to the provider). */
  lookup_failures: number;
  store_failures: number;
}

const STARTUP_WAIT_MS = 1000;

/** The request-hash prefix recorded in events and api_calls.response_cache_key (and accepted by purge). */
export const shortKeyHash = (key: string | null) => (key ? hashOfStoreKey(key).slice(0, 16) : null);

/** The exact response cache: policy, keys, fail-open lookups and background stores. */
@Injectable()
export class ResponseCacheService implements OnModuleInit, OnModuleDestroy {
  private readonly counters: ResponseCacheStats = {
    hits: 0,
    misses: 0,
    bypasses: 0,
    stores: 0,
    lookup_failures: 0,
    store_failures: 0,
  };
  private readonly warner: RateLimitedWarn;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly loaded: GatewayConfig,
    @Inject(RESPONSE_CACHE_STORE) private readonly store: ResponseCacheStore,
    @Inject(GATEWAY_LOGGER) private readonly logger: AppLogger,
  ) {
    this.warner = new RateLimitedWarn(logger);
  }

  /** Gives Redis a moment to connect before traffic arrives; never blocks startup for long or fails it. */
  async onModuleInit(): Promise<void> {
    if (await this.store.ready(STARTUP_WAIT_MS)) return;
    this.logger.warn(
      { store: this.store.kind },
      `response cache store not reachable after ${STARTUP_WAIT_MS} ms; calls bypass the cache until it is`,
    );
  }

  stats(): ResponseCacheStats {
    return { ...this.counters };
  }

  /** The store behind the cache (admin stats and purge). */
  get backend(): ResponseCacheStore {
    return this.store;
  }

  /** Decides from config, the alias, the caller's headers and the request; throws on malformed cache headers. */
  plan(
    ctx: CallContext,
    body: Record<string, unknown>,
    primary: ResolvedTarget,
    headers: IncomingHttpHeaders,
  ): CachePlan {
    const config = this.loaded.config.cache;
    const directive = directiveOf(headers);
    const ttlHeader = ttlHeaderOf(headers);
    const decision = decideCachePolicy({
      config,
      alias: this.loaded.config.models[ctx.format!.request.model(body)]?.cache,
      directive,
      ttlHeader,
      deterministic: ctx.format!.cache.deterministic(body),
    });
    const keyOwner = ctx.caller?.providerKey ? createHash('sha256').update(ctx.caller.providerKey).digest('hex') : null;
    const tenant = ctx.caller?.tenant ?? null;
    const keyFor = (target: ResolvedTarget) =>
      storeKey({
        tenant,
        model: target.upstreamModel,
        hash: exactCacheKey({
          format: ctx.format!,
          tenant,
          keyOwner,
          provider: target.providerName,
          model: target.upstreamModel,
          body,
        }),
      });
    const active = decision.lookup || decision.store;
    const key = active ? keyFor(primary) : null;
    const outcome: CallCacheOutcome = {
      status: decision.lookup ? 'miss' : 'bypass',
      key_hash: shortKeyHash(key),
      saved_prompt_tokens: 0,
      saved_completion_tokens: 0,
    };
    ctx.cache = outcome;
    return { decision, key, keyFor, owner: { tenant, keyOwner }, primary, outcome };
  }

  /** A cached answer, or null: not found, unreadable, or the store failed or was too slow (fail-open). */
  async lookup(plan: CachePlan, ctx: CallContext): Promise<CachedAnswer | null> {
    if (!plan.decision.lookup || !plan.key) {
      this.counters.bypasses++;
      return null;
    }
    const timeoutMs = this.loaded.config.cache.lookup_timeout_ms;
    let timer: NodeJS.Timeout | undefined;
    let raw: string | null;
    try {
      raw = await Promise.race([
        this.store.get(plan.key),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`lookup took longer than ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      this.counters.lookup_failures++;
      this.counters.bypasses++;
      plan.outcome.status = 'bypass';
      this.warner.warn(
        { store: this.store.kind, err: (err as Error).message, lookup_failures: this.counters.lookup_failures },
        'response cache lookup failed; serving from the provider',
      );
      return null;
    } finally {
      clearTimeout(timer);
    }
    const entry = raw === null ? null : parseCachedAnswer(raw, ctx.callerFormat);
    if (!entry) {
      this.counters.misses++;
      return null;
    }
    this.counters.hits++;
    plan.outcome.status = 'hit';
    plan.outcome.saved_prompt_tokens = entry.usage?.prompt_tokens ?? 0;
    plan.outcome.saved_completion_tokens = entry.usage?.completion_tokens ?? 0;
    return entry;
  }

  /**
   * Stores a complete, cacheable answer in the background, under the key of the target that served it (an
   * answer from a fallback is only found by requests whose primary is that fallback). Returns the key it is
   * being stored under, or null when the answer is not stored.
   */
  save(
    plan: CachePlan,
    ctx: CallContext,
    target: ResolvedTarget,
    answer: { response: unknown; usage: NormalizedUsage | null; usageRaw: unknown },
  ): string | null {
    const response = answer.response as Record<string, unknown> | null;
    if (!plan.decision.store || !response || !ctx.format!.response.summary(response).cacheable) return null;
    const entry: CachedAnswer = {
      v: 1,
      format: ctx.callerFormat,
      provider: target.providerName,
      model: target.upstreamModel,
      // Answers assembled from a stream lack usage when the caller did not ask for it: a replay gives it back.
      response: answer.usage ? ctx.format!.response.withUsage(response, answer.usage) : response,
      usage: answer.usage,
      usage_raw: answer.usageRaw,
      stored_at: Date.now(),
    };
    const value = JSON.stringify(entry);
    if (Buffer.byteLength(value) > this.loaded.config.cache.exact.max_entry_bytes) return null;
    const key = plan.keyFor(target);
    this.store.set(key, value, plan.decision.ttlS).then(
      () => void this.counters.stores++,
      (err: Error) => {
        this.counters.store_failures++;
        this.warner.warn({ store: this.store.kind, err: err.message }, 'response cache store failed');
      },
    );
    return key;
  }

  async onModuleDestroy(): Promise<void> {
    await this.store.close();
  }
}
