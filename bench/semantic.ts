import { seededRandom } from '@lessllm/shared';
import Redis from 'ioredis';
import { createHash, randomUUID } from 'node:crypto';
import {
  detectRedisVectorSearch,
  type RedisVectorCapabilities,
} from '../apps/gateway/src/repositories/redis-capabilities';
import { RedisSemanticIndex } from '../apps/gateway/src/repositories/redis-semantic-index';
import { cosine, DEFAULT_LSH, l2Normalize, LexicalEmbedder, type LshOptions } from '../apps/gateway/src/semantic-cache';
import { SentenceGenerator } from './semantic-corpus';

export interface SemanticBenchOptions {
  redisUrl?: string;
  /** Entries inserted in the one bucket (default 100,000). */
  entries?: number;
  /** Measured lookups (default 1,000), each for a planted near-duplicate of a stored entry. */
  queries?: number;
  /** Unmeasured lookups run first (JIT, connection warm-up; default 100). */
  warmupQueries?: number;
  /**
   * 'lexical' (default): LexicalEmbedder vectors of generated chat questions (semantic-corpus.ts), what the product
   * stores; queries are edited copies (case, punctuation, typo, filler...) at cosine >= 0.85, half in [0.85, 0.90).
   * 'random': uniform random unit vectors, queries = stored vector + Gaussian `noise`.
   */
  distribution?: 'lexical' | 'random';
  /** Vector dimensions (default 512, the lexical embedder's). */
  dimensions?: number;
  lsh?: LshOptions;
  /** 'random' only: noise added to a stored vector to build a query (0.6 -> cosine ~0.86 at 512 dims). */
  noise?: number;
  /** Parallel adds while inserting (default 256). */
  concurrency?: number;
  maxCandidates?: number;
  /** Search options of every lookup (default k 5, minScore 0.8: below the 0.85 threshold, so recall is the index's). */
  k?: number;
  minScore?: number;
}

export interface SemanticBenchResult {
  capabilities: RedisVectorCapabilities;
  distribution: 'lexical' | 'random';
  entries: number;
  dimensions: number;
  lsh: LshOptions;
  maxCandidates: number;
  insertSeconds: number;
  /** Lookup latency (LSH hashing + Redis round trips + ranking; embedding excluded), sequential lookups. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  queries: number;
  /** Share of lookups that returned the planted entry (among the top k). */
  recall: number;
  /** Same, for queries at cosine [0.85, 0.90) from their planted entry (the threshold edge). */
  recallNearThreshold: number;
  /** LSH theory for these bands (`recallAt`), before the candidate cut. */
  recallTheory: { at085: number; at090: number; at095: number };
  meanQueryCosine: number;
  /** Redis bytes per entry: MEMORY USAGE (all samples) of the bucket's keys / entries. */
  bytesPerEntry: number;
  memory: { records: number; texts: number; postings: number; usedMemoryDelta: number };
  /** Same numbers as above, in the shape of earlier versions. */
  lookup: { p50Ms: number; p95Ms: number; p99Ms: number; meanMs: number; queries: number };
}

interface Probe {
  id: string;
  vector: Float32Array;
  cos: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

const idOf = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 12);
const round = (x: number, d = 2) => +x.toFixed(d);

/**
 * Lookup latency (excluding embedding, including LSH hashing), recall of planted near-duplicates and Redis memory
 * per entry of RedisSemanticIndex with `entries` entries in ONE bucket (worst case: one tenant, one context), on
 * the Redis at `redisUrl`, under a random key prefix that is deleted afterwards.
 */
export async function benchSemantic(options: SemanticBenchOptions = {}): Promise<SemanticBenchResult> {
  const n = options.entries ?? 100_000;
  const queries = options.queries ?? 1000;
  const warmup = options.warmupQueries ?? 100;
  const distribution = options.distribution ?? 'lexical';
  const dims = options.dimensions ?? 512;
  const lsh = options.lsh ?? DEFAULT_LSH;
  const concurrency = options.concurrency ?? 256;
  const search = { k: options.k ?? 5, minScore: options.minScore ?? 0.8 };
  const redis = new Redis(options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const root = `lessllm-bench-${randomUUID().slice(0, 8)}:`;
  const index = new RedisSemanticIndex(redis, {
    prefix: root,
    dimensions: dims,
    lsh,
    maxPerBucket: n + 1,
    maxCandidates: options.maxCandidates,
  });
  const bucket = 'bench-bucket';
  const embedder = new LexicalEmbedder({ dimensions: dims });
  const gen = new SentenceGenerator(7);
  const gauss = (() => {
    const u = seededRandom(42);
    return () => Math.sqrt(-2 * Math.log(Math.max(u(), 1e-12))) * Math.cos(2 * Math.PI * u());
  })();
  const pick = seededRandom(99);
  try {
    const capabilities = await detectRedisVectorSearch(redis);
    const memBefore = await usedMemory(redis);

    // Entries: distinct texts (ids derived from the text as SemanticCache does), or random vectors.
    const texts: string[] = [];
    const seen = new Set<string>();
    const randomVectors: Float32Array[] = [];
    let insertMs = 0;
    for (let i = 0; i < n; i += concurrency) {
      const batch: { id: string; text: string; value: string; vector: Float32Array }[] = [];
      for (let j = i; j < Math.min(n, i + concurrency); j++) {
        if (distribution === 'lexical') {
          let text = gen.next();
          while (seen.has(text)) text = gen.next();
          seen.add(text);
          texts.push(text);
          batch.push({ id: idOf(text), text, value: `resp:${idOf(text)}`, vector: embedder.embedOne(text) });
        } else {
          const vector = l2Normalize(Float32Array.from({ length: dims }, gauss));
          randomVectors.push(vector);
          const text = 'How do I reverse a linked list in Python without recursion?';
          batch.push({ id: `e${j.toString(36)}`, text, value: `resp:${j}`, vector });
        }
      }
      const t0 = performance.now();
      await Promise.all(batch.map((e) => index.add(bucket, e)));
      insertMs += performance.now() - t0;
    }
    const memAfter = await usedMemory(redis);

    // Probes: planted near-duplicates, half at the threshold edge [0.85, 0.90).
    const probes: Probe[] = [];
    let nearEdge = 0;
    const total = queries + warmup;
    for (let tries = 0; probes.length < total && tries < total * 200; tries++) {
      const src = Math.floor(pick() * n);
      if (distribution === 'random') {
        const stored = randomVectors[src];
        const noise = options.noise ?? 0.6;
        const vector = l2Normalize(Float32Array.from(stored, (x) => x + (noise / Math.sqrt(dims)) * gauss()));
        probes.push({ id: `e${src.toString(36)}`, vector, cos: cosine(vector, stored) });
        continue;
      }
      const stored = embedder.embedOne(texts[src]);
      const wantEdge = nearEdge < total / 2;
      let text = gen.variant(texts[src]);
      for (let e = 0; e < 6 && wantEdge && cosine(embedder.embedOne(text), stored) >= 0.9; e++)
        text = gen.variant(text);
      if (seen.has(text)) continue; // the edit produced another stored question
      const vector = embedder.embedOne(text);
      const cos = cosine(vector, stored);
      if (cos < 0.85 || cos >= 0.999) continue;
      if (cos < 0.9) {
        if (nearEdge >= total / 2) continue;
        nearEdge++;
      } else if (probes.length - nearEdge >= total - Math.floor(total / 2)) continue;
      probes.push({ id: idOf(texts[src]), vector, cos });
    }
    // The corpus is not needed any more: less live heap, shorter GC pauses of this process while measuring.
    texts.length = 0;
    seen.clear();
    randomVectors.length = 0;
    // Shuffle so warm-up and measured lookups mix both halves.
    for (let i = probes.length - 1; i > 0; i--) {
      const j = Math.floor(pick() * (i + 1));
      [probes[i], probes[j]] = [probes[j], probes[i]];
    }

    const latencies: number[] = [];
    let found = 0;
    let edgeQueries = 0;
    let edgeFound = 0;
    let cosSum = 0;
    for (let q = 0; q < probes.length; q++) {
      const probe = probes[q];
      const start = performance.now();
      const res = await index.search(bucket, probe.vector, search);
      const ms = performance.now() - start;
      if (q < warmup) continue;
      latencies.push(ms);
      const hit = res.some((m) => m.id === probe.id);
      cosSum += probe.cos;
      if (hit) found++;
      if (probe.cos < 0.9) {
        edgeQueries++;
        if (hit) edgeFound++;
      }
    }
    latencies.sort((a, b) => a - b);

    const k = index.keys(bucket);
    const usage = async (key: string) => Number((await redis.memory('USAGE', key, 'SAMPLES', 0)) ?? 0);
    const memory = {
      records: Math.round((await usage(k.records)) / n),
      texts: Math.round((await usage(k.texts)) / n),
      postings: Math.round((await usage(k.postings)) / n),
      usedMemoryDelta: Math.round((memAfter - memBefore) / n),
    };
    const p50Ms = round(quantile(latencies, 0.5));
    const p95Ms = round(quantile(latencies, 0.95));
    const p99Ms = round(quantile(latencies, 0.99));
    const meanMs = round(latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length));
    return {
      capabilities,
      distribution,
      entries: n,
      dimensions: dims,
      lsh,
      maxCandidates: options.maxCandidates ?? 64,
      insertSeconds: round(insertMs / 1000, 1),
      p50Ms,
      p95Ms,
      p99Ms,
      meanMs,
      maxMs: round(latencies[latencies.length - 1] ?? 0),
      queries: latencies.length,
      recall: round(found / Math.max(1, latencies.length), 3),
      recallNearThreshold: round(edgeFound / Math.max(1, edgeQueries), 3),
      recallTheory: {
        at085: round(index.recallAt(0.85), 3),
        at090: round(index.recallAt(0.9), 3),
        at095: round(index.recallAt(0.95), 3),
      },
      meanQueryCosine: round(cosSum / Math.max(1, latencies.length), 3),
      bytesPerEntry: memory.records + memory.texts + memory.postings,
      memory,
      lookup: { p50Ms, p95Ms, p99Ms, meanMs, queries: latencies.length },
    };
  } finally {
    const keys = await scanKeys(redis, `${root}*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
    await redis.quit();
  }
}

// Run directly: `npx vite-node --config vitest.config.ts bench/semantic.ts` (or node on the built dist/bench/semantic.js).
if (/(^|[\\/])bench[\\/]semantic\.(ts|js)$/.test(process.argv[1] ?? '')) {
  const entries = Number(process.env.BENCH_SEMANTIC_ENTRIES ?? 100_000);
  benchSemantic({ entries })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
