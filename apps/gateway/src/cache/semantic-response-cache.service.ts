import type { AppLogger, ResponseCacheStore } from '@lessllm/shared';
import { RESPONSE_CACHE_STORE } from '@lessllm/shared';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { GATEWAY_LOGGER } from '../config/logger.token';
import { SemanticCache, type Embedder, type SemanticRequest } from '../semantic-cache';
import type { CallContext } from '../services/call-context';
import type { ResolvedTarget } from '../services/model-resolver.service';
import { parseCachedAnswer, type CachedAnswer } from './cache-entry';
import { RateLimitedWarn } from './rate-limited-warn';
import { shortKeyHash, type CachePlan } from './response-cache.service';
import { embeddingBudgetMs, SEMANTIC_EMBEDDER } from './semantic-embedder.factory';
import { SEMANTIC_INDEX, type SemanticIndexHandle } from './semantic-index.factory';

export interface SemanticCacheStats {
  hits: number;
  misses: number;
  stores: number;
  /** Lookups that failed or exceeded cache.lookup_timeout_ms (the call went to the provider). */
  lookup_failures: number;
  store_failures: number;
}

/**
 * The semantic cache next to the exact one: consulted only after an exact miss, under the same policy (a
 * bypassed or no-cache call never looks here). The index maps a last user turn, in a bucket of everything
 * else (tenant, key owner, caller format, alias, resolved primary target, canonical params and history), to
 * the exact-cache key of the answer; a hit reads that entry from the exact store.
 */
@Injectable()
export class SemanticResponseCacheService implements OnModuleDestroy {
  private readonly counters: SemanticCacheStats = {
    hits: 0,
    misses: 0,
    stores: 0,
    lookup_failures: 0,
    store_failures: 0,
  };
  private readonly warner: RateLimitedWarn;
  private readonly cache: SemanticCache | null;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly loaded: GatewayConfig,
    @Inject(RESPONSE_CACHE_STORE) private readonly store: ResponseCacheStore,
    @Inject(SEMANTIC_INDEX) private readonly handle: SemanticIndexHandle | null,
    @Inject(SEMANTIC_EMBEDDER) embedder: Embedder,
    @Inject(GATEWAY_LOGGER) logger: AppLogger,
  ) {
    this.warner = new RateLimitedWarn(logger);
    const { config } = loaded;
    const thresholds: Record<string, number> = {};
    for (const [alias, model] of Object.entries(config.models)) {
      if (model.cache?.semantic_threshold !== undefined) thresholds[alias] = model.cache.semantic_threshold;
    }
    this.cache = handle
      ? new SemanticCache({
          embedder,
          index: handle.index,
          defaultThreshold: config.cache.semantic.threshold,
          thresholds,
        })
      : null;
  }

  stats(): SemanticCacheStats {
    return { ...this.counters };
  }

  /** True when some alias has the semantic cache on (an index exists). */
  get inUse(): boolean {
    return this.cache !== null;
  }

  /** Global `cache.semantic.enabled`, overridden per alias by `models.<alias>.cache.semantic`. */
  enabledFor(alias: string): boolean {
    if (!this.cache) return false;
    return this.loaded.config.models[alias]?.cache?.semantic ?? this.loaded.config.cache.semantic.enabled;
  }

  /**
   * After an exact miss: a cached answer whose request is close enough, or null (no match, guards refused,
   * entry gone, or the index failed or was slower than cache.lookup_timeout_ms: fail-open).
   */
  async lookup(plan: CachePlan, ctx: CallContext, body: Record<string, unknown>): Promise<CachedAnswer | null> {
    if (
      !this.cache ||
      !plan.decision.lookup ||
      plan.outcome.status !== 'miss' ||
      !this.enabledFor(aliasOf(ctx, body))
    ) {
      return null;
    }
    const cache = this.cache;
    const request = this.semanticRequest(plan, ctx, body);
    const timeoutMs = this.loaded.config.cache.lookup_timeout_ms + embeddingBudgetMs(this.loaded.config);
    let timer: NodeJS.Timeout | undefined;
    let found: { entry: CachedAnswer | null; score: number; key: string } | null;
    try {
      found = await Promise.race([
        (async () => {
          const result = await cache.lookup(request);
          if (!result.hit) return null;
          const raw = await this.store.get(result.value);
          return {
            entry: raw === null ? null : parseCachedAnswer(raw, ctx.callerFormat),
            score: result.score,
            key: result.value,
          };
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`lookup took longer than ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      this.counters.lookup_failures++;
      this.warner.warn(
        {
          store: this.handle?.kind,
          err: (err as Error).message,
          lookup_failures: this.counters.lookup_failures,
        },
        'semantic cache lookup failed; serving from the provider',
      );
      return null;
    } finally {
      clearTimeout(timer);
    }
    if (!found?.entry) {
      this.counters.misses++;
      return null;
    }
    this.counters.hits++;
    plan.outcome.status = 'semantic-hit';
    plan.outcome.key_hash = shortKeyHash(found.key);
    plan.outcome.similarity = Math.round(found.score * 1e4) / 1e4;
    plan.outcome.saved_prompt_tokens = found.entry.usage?.prompt_tokens ?? 0;
    plan.outcome.saved_completion_tokens = found.entry.usage?.completion_tokens ?? 0;
    return found.entry;
  }

  /**
   * In the background, after the exact cache stored an answer under `key`: remembers the request's last turn
   * so close variants find that entry. Only answers from the primary target (a fallback's answer belongs to
   * requests whose primary is that fallback, as in the exact cache).
   */
  save(
    plan: CachePlan,
    ctx: CallContext,
    target: ResolvedTarget,
    body: Record<string, unknown>,
    key: string | null,
  ): void {
    if (!this.cache || key === null || key !== plan.key || !plan.decision.store || !this.enabledFor(aliasOf(ctx, body)))
      return;
    if (target.providerName !== plan.primary.providerName || target.upstreamModel !== plan.primary.upstreamModel) {
      return;
    }
    this.cache.store(this.semanticRequest(plan, ctx, body), key).then(
      (stored) => {
        if (stored) this.counters.stores++;
      },
      (err: Error) => {
        this.counters.store_failures++;
        this.warner.warn({ store: this.handle?.kind, err: err.message }, 'semantic cache store failed');
      },
    );
  }

  /** The canonical request split for the semantic cache; the tenant part carries every isolation boundary. */
  private semanticRequest(plan: CachePlan, ctx: CallContext, body: Record<string, unknown>): SemanticRequest {
    const { messages, params } = ctx.format!.cache.semanticView(body);
    return {
      tenant: JSON.stringify([
        ctx.callerFormat,
        plan.owner.tenant,
        plan.owner.keyOwner,
        plan.primary.providerName,
        plan.primary.upstreamModel,
      ]),
      model: aliasOf(ctx, body),
      messages: messages,
      params,
    };
  }

  async onModuleDestroy(): Promise<void> {
    await this.handle?.close();
  }
}

/** The alias (or model) the request names: per-alias semantic settings are keyed on it. */
function aliasOf(ctx: CallContext, body: Record<string, unknown>): string {
  return ctx.format!.request.model(body);
}
