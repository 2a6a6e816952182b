import type Redis from 'ioredis';

export interface RedisVectorCapabilities {
  version: string | null;
  modules: string[];
  /** True when the server answers FT._LIST (RediSearch module or Redis 8 Query Engine). */
  vectorSearch: boolean;
}

/**
 * Detects built-in vector search. Only the plain-Redis path (LSH buckets) is implemented; this is reported
 * so operators know an FT.SEARCH-based index would be possible on their server.
 */
export async function detectRedisVectorSearch(redis: Redis): Promise<RedisVectorCapabilities> {
  const info = await redis.info('server').catch(() => '');
  const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? null;
  const modules: string[] = [];
  try {
    const list = (await redis.call('MODULE', 'LIST')) as unknown[];
    for (const mod of list) {
      if (Array.isArray(mod)) {
        const idx = mod.indexOf('name');
        if (idx >= 0) modules.push(String(mod[idx + 1]));
      }
    }
  } catch {
    // MODULE may be disabled (managed Redis); FT._LIST below is the authoritative probe.
  }
  let vectorSearch = false;
  try {
    await redis.call('FT._LIST');
    vectorSearch = true;
  } catch {
    vectorSearch = false;
  }
  return { version, modules, vectorSearch };
}
