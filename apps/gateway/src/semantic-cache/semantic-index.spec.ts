import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectRedisVectorSearch } from '../repositories/redis-capabilities';
import { RedisSemanticIndex } from '../repositories/redis-semantic-index';
import { cosine, l2Normalize } from './embedder';
import { MemorySemanticIndex } from './memory-semantic-index';
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

    it('re-adding an id replaces its entry', async () => {
      const idx = harness().make({});
      const [a, b] = randomVectors(2, 10);
      await idx.add('b', entry('x', a));
      await idx.add('b', { ...entry('x', b), value: 'new value' });
      expect(await idx.search('b', a, { k: 3, minScore: 0.9 })).toEqual([]);
      const res = await idx.search('b', b, { k: 3, minScore: 0.5 });
      expect(res.map((m) => [m.id, m.value])).toEqual([['x', 'new value']]);
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
    expect(keys.length).toBe(3); // records, texts, postings
    for (const k of keys) expect(await redis.pttl(k)).toBeGreaterThan(0);
  });

  const postingsOf = async (idx: RedisSemanticIndex, bucket: string): Promise<number[]> => {
    const all = await redis.hgetallBuffer(idx.keys(bucket).postings);
    const ids: number[] = [];
    for (const list of Object.values(all)) for (let o = 0; o < list.length; o += 8) ids.push(list.readUInt32BE(o));
    return ids.sort((x, y) => x - y);
  };
  const recordCount = async (idx: RedisSemanticIndex, bucket: string) =>
    (await redis.hlen(idx.keys(bucket).records)) - 2; // minus the "n" and "lo" fields

  it('versions its key layout in the prefix', () => {
    const idx = new RedisSemanticIndex(redis, {
      prefix: 'p:',
      dimensions: DIMS,
      lsh: { bands: 8, bitsPerBand: 10, seed: 7 },
    });
    expect(idx.keys('B')).toEqual({
      records: 'p:v2.7.8x10:v:{B}',
      texts: 'p:v2.7.8x10:e:{B}',
      postings: 'p:v2.7.8x10:p:{B}',
    });
  });

  it('removes evicted and replaced entries from every posting list', async () => {
    const idx = new RedisSemanticIndex(redis, {
      prefix: `${prefix}${randomUUID()}:`,
      dimensions: DIMS,
      maxPerBucket: 3,
    });
    const vs = randomVectors(6, 11);
    for (let i = 0; i < 5; i++) await idx.add('b', entry(`e${i}`, vs[i]));
    await idx.add('b', entry('e4', vs[5])); // replaces entry number 5 by number 6
    expect(await recordCount(idx, 'b')).toBe(3);
    const bands = 32;
    expect(await postingsOf(idx, 'b')).toEqual([3, 4, 6].flatMap((n) => Array<number>(bands).fill(n)));
    expect(await redis.hkeys(idx.keys('b').texts)).toEqual(expect.arrayContaining(['e2', 'e3', 'e4']));
    expect(await redis.hlen(idx.keys('b').texts)).toBe(3);
  });

  it('ignores entries older than the TTL although the bucket keys live on, and evicts them on the next add', async () => {
    const idx = new RedisSemanticIndex(redis, { prefix: `${prefix}${randomUUID()}:`, dimensions: DIMS, ttlMs: 400 });
    const [a, b, c] = randomVectors(3, 12);
    await idx.add('b', entry('a', a));
    await new Promise((r) => setTimeout(r, 250));
    await idx.add('b', entry('b', b)); // keys live until ~650 ms
    await new Promise((r) => setTimeout(r, 250));
    expect(await idx.search('b', a, { k: 1, minScore: 0.9 })).toEqual([]);
    expect((await idx.search('b', b, { k: 1, minScore: 0.9 }))[0]?.id).toBe('b');
    await idx.add('b', entry('c', c));
    expect(await recordCount(idx, 'b')).toBe(2);
    expect(new Set(await postingsOf(idx, 'b'))).toEqual(new Set([2, 3]));
  });

  it('caps each posting list, dropping its oldest postings', async () => {
    const idx = new RedisSemanticIndex(redis, {
      prefix: `${prefix}${randomUUID()}:`,
      dimensions: DIMS,
      maxPostingsPerSignature: 2,
    });
    const [v] = randomVectors(1, 13);
    for (let i = 0; i < 5; i++) await idx.add('b', entry(`same${i}`, v)); // same vector: same 32 signatures
    const lists = Object.values(await redis.hgetallBuffer(idx.keys('b').postings));
    expect(lists).toHaveLength(32);
    for (const list of lists) expect([list.readUInt32BE(0), list.readUInt32BE(8), list.length]).toEqual([4, 5, 16]);
    const res = await idx.search('b', v, { k: 5, minScore: 0.9 });
    expect(res.map((m) => m.id)).toEqual(['same4', 'same3']); // equal scores: newest first
  });

  it('keeps long texts out of the record and returns them intact', async () => {
    const idx = new RedisSemanticIndex(redis, { prefix: `${prefix}${randomUUID()}:`, dimensions: DIMS });
    const [v, w] = randomVectors(2, 14);
    const long = 'é'.repeat(3000);
    await idx.add('b', { id: 'long', text: long, value: 'v-long', vector: v });
    await idx.add('b', { id: 'short', text: 'ünïcode ✓', value: 'v-short', vector: w });
    expect(await idx.search('b', v, { k: 1, minScore: 0.9 })).toMatchObject([
      { id: 'long', text: long, value: 'v-long' },
    ]);
    expect(await idx.search('b', w, { k: 1, minScore: 0.9 })).toMatchObject([{ text: 'ünïcode ✓', value: 'v-short' }]);
    const record = await redis.hgetBuffer(idx.keys('b').records, Buffer.from([0, 0, 0, 1]));
    expect(record!.length).toBeLessThan(1000);
  });

  it('falls back to EVAL when the server has not cached the script', async () => {
    let fallbacks = 0;
    const client = new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop === 'evalsha') return () => Promise.reject(new Error('NOSCRIPT No matching script.'));
        if (prop === 'eval') fallbacks++;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const idx = new RedisSemanticIndex(client, { prefix: `${prefix}${randomUUID()}:`, dimensions: DIMS });
    const [v] = randomVectors(1, 15);
    await idx.add('b', entry('x', v));
    expect(fallbacks).toBe(1);
    expect((await idx.search('b', v, { k: 1, minScore: 0.9 }))[0]?.id).toBe('x');
  });

  it('finds a near-duplicate among many clustered entries (LSH + candidate ranking)', async () => {
    const idx = new RedisSemanticIndex(redis, { prefix: `${prefix}${randomUUID()}:`, dimensions: DIMS });
    const [center] = randomVectors(1, 16);
    const cluster = Array.from({ length: 300 }, (_v, i) => near(center, 100 + i, 0.25)); // cosine ~0.75 apart
    for (let i = 0; i < cluster.length; i++) await idx.add('b', entry(`c${i}`, cluster[i]));
    let found = 0;
    let cos = 0;
    for (let i = 0; i < 40; i++) {
      const query = near(cluster[i * 7], 900 + i, 0.2); // cosine ~0.9 to its source
      cos += cosine(query, cluster[i * 7]) / 40;
      const res = await idx.search('b', query, { k: 1, minScore: 0.8 });
      if (res[0]?.id === `c${i * 7}`) found++;
    }
    expect(cos).toBeGreaterThan(0.88);
    expect(cos).toBeLessThan(0.93);
    expect(found).toBeGreaterThanOrEqual(37);
    expect(idx.recallAt(0.85)).toBeGreaterThan(0.95);
  });

  it('reports whether the server has built-in vector search', async () => {
    const caps = await detectRedisVectorSearch(redis);
    expect(typeof caps.vectorSearch).toBe('boolean');
    expect(caps.version).toMatch(/^\d+\./);
  });
});
