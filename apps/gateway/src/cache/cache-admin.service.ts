import type { AppLogger, CacheStoreUsage, StoreKeyFilter } from '@lessllm/shared';
import { GatewayError } from '@lessllm/shared';
import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_LOGGER } from '../config/logger.token';
import { ResponseCacheService, type ResponseCacheStats } from './response-cache.service';
import { SemanticResponseCacheService, type SemanticCacheStats } from './semantic-response-cache.service';

export interface CacheStatsReport {
  backend: string;
  /** Entries and bytes in the store (shared by every replica when it is Redis), narrowed by the filter. */
  store: CacheStoreUsage;
  /** This replica's counters since it started (fleet-wide rates: `lessllm stats`, from api_calls). */
  exact: ResponseCacheStats & { hit_rate: number | null };
  semantic: (SemanticCacheStats & { hit_rate: number | null }) | null;
  counters_since: string;
}

const rate = (hits: number, misses: number) =>
  hits + misses === 0 ? null : Math.round((hits / (hits + misses)) * 1e4) / 1e4;

/** Cache administration behind the admin key: stats and purge by tenant, model or key. */
@Injectable()
export class CacheAdminService {
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly exact: ResponseCacheService,
    private readonly semantic: SemanticResponseCacheService,
    @Inject(GATEWAY_LOGGER) private readonly logger: AppLogger,
  ) {}

  async stats(filter: StoreKeyFilter): Promise<CacheStatsReport> {
    const store = await this.storeCall('read cache stats', () => this.exact.backend.usage(filter));
    const exact = this.exact.stats();
    const semantic = this.semantic.inUse ? this.semantic.stats() : null;
    return {
      backend: this.exact.backend.kind,
      store,
      exact: { ...exact, hit_rate: rate(exact.hits, exact.misses) },
      semantic: semantic && { ...semantic, hit_rate: rate(semantic.hits, semantic.misses) },
      counters_since: this.startedAt,
    };
  }

  /**
   * Deletes exact entries. Semantic index entries point at exact entries, so a purged answer can no longer be
   * served by either cache; the dangling index entries are dropped when next read or when their TTL ends.
   */
  async purge(filter: StoreKeyFilter): Promise<{ purged: number }> {
    const purged = await this.storeCall('purge the cache', () => this.exact.backend.purge(filter));
    this.logger.info(
      { cache_purge: { tenant: filter.tenant, model: filter.model, key: filter.hashPrefix }, purged },
      'response cache purged',
    );
    return { purged };
  }

  private async storeCall<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new GatewayError(
        'store_unavailable',
        `Could not ${what}: the ${this.exact.backend.kind} cache store failed (${(err as Error).message}).`,
        null,
        'cache_store_unavailable',
      );
    }
  }
}
