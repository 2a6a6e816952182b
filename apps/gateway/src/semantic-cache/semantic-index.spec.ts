import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { l2Normalize } from './embedder';
import { MemorySemanticIndex } from './memory-semantic-index';
import { detectRedisVectorSearch } from './redis-capabilities';
import { RedisSemanticIndex } from './redis-semantic-index';
import type { SemanticIndex, SemanticIndexLimits } from './semantic-index';

const DIMS = 64;

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

function randomVectors(n: number, seed: number): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => l2Normalize(Float32Array.from({ length: DIMS }, r)));
}

function near(v: Float32Array, seed: number, noise = 0.05): Float32Array {
  const r = rng(seed);
  return l2Normalize(Float32Array.from(v, (x) => x + noise * r()));
}

const entry = (id: string, vector: Float32Array) => ({ id, text: `text ${id}`, value: `value ${id}`, vector });

interface Harness {
  make(limits: Partial<SemanticIndexLimits>): SemanticIndex;
  advance(ms: number): Promise<void>;
}

function indexSuite(name: string, harness: () => Harness): void {
  describe(name, () => {
    it('returns the nearest neighbour first, with its text and value', async () => {
      const h = harness();
      const idx = h.make({});
      const vs = randomVectors(50, 1);
      for (let i = 0; i < vs.length; i++) await idx.add('b1', entry(`e${i}`, vs[i]));
      const res = await idx.search('b1', near(vs[17], 7), { k: 3, minScore: 0.5 });
      expect(res[0]).toMatchObject({ id: 'e17', text: 'text e17', value: 'value e17' });
      expect(res[0].score).toBeGreaterThan(0.95);
      expect(res.length).toBe(1); // random 64-d vectors are far apart
    });

    it('isolates buckets (tenant/context)', async () => {
      const idx = harness().make({});
      const [v] = randomVectors(1, 2);
      await idx.add('tenant-a', entry('x', v));
      expect(await idx.search('tenant-b', v, { k: 1, minScore: 0 })).toEqual([]);
      expect((await idx.search('tenant-a', v, { k: 1, minScore: 0 }))[0].id).toBe('x');
    });

    it('drops matches below minScore', async () => {
      const idx = harness().make({});
      const [a, b] = randomVectors(2, 3);
      await idx.add('b', entry('a', a));
      expect(await idx.search('b', near(a, 5, 2), { k: 1, minScore: 0.99 })).toEqual([]);
      expect(await idx.search('b', b, { k: 1, minScore: 0.9 })).toEqual([]);
    });

    it('expires entries after the TTL', async () => {
      const h = harness();
      const idx = h.make({ ttlMs: 300 });
      const [v] = randomVectors(1, 4);
      await idx.add('b', entry('x', v));
      expect(await idx.search('b', v, { k: 1, minScore: 0.9 })).toHaveLength(1);
      await h.advance(600);
      expect(await idx.search('b', v, { k: 1, minScore: 0.9 })).toEqual([]);
    });

    it('evicts the oldest entries beyond the per-bucket cap', async () => {
      const idx = harness().make({ maxPerBucket: 3 });
      const vs = randomVectors(5, 6);
      for (let i = 0; i < vs.length; i++) await idx.add('b', entry(`e${i}`, vs[i]));
      for (let i = 0; i < vs.length; i++) {
        const found = await idx.search('b', vs[i], { k: 1, minScore: 0.9 });
        expect(found.map((m) => m.id)).toEqual(i < 2 ? [] : [`e${i}`]);
      }
    });
  });
}

indexSuite('MemorySemanticIndex', () => {
  let now = 1_000;
  return {
    make: (limits) => new MemorySemanticIndex({ ...limits, now: () => now }),
    advance: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  };
});

describe('Redis', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  const prefix = `test:sem:${randomUUID()}:`;

  beforeAll(async () => {
    await redis.ping();
  });

  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  });

  indexSuite('RedisSemanticIndex', () => ({
    make: (limits) =>
      new RedisSemanticIndex(redis, { prefix: `${prefix}${randomUUID()}:`, dimensions: DIMS, ...limits }),
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
  }));

  it('puts a TTL on every key it writes', async () => {
    const idx = new RedisSemanticIndex(redis, { prefix: `${prefix}ttl:`, dimensions: DIMS, ttlMs: 60_000 });
    await idx.add('b', entry('x', randomVectors(1, 9)[0]));
    const keys = await redis.keys(`${prefix}ttl:*`);
    expect(keys.length).toBe(1 + 16 + 1); // entry hash + one set per band + order zset
    for (const k of keys) expect(await redis.pttl(k)).toBeGreaterThan(0);
  });

  it('reports whether the server has built-in vector search', async () => {
    const caps = await detectRedisVectorSearch(redis);
    expect(typeof caps.vectorSearch).toBe('boolean');
    expect(caps.version).toMatch(/^\d+\./);
  });
});
