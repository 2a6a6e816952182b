import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { l2Normalize } from './embedder';
import { DEFAULT_LSH, type LshOptions } from './lsh';
import { detectRedisVectorSearch, type RedisVectorCapabilities } from './redis-capabilities';
import { RedisSemanticIndex } from './redis-semantic-index';

export interface SemanticBenchOptions {
  redisUrl?: string;
  entries?: number;
  queries?: number;
  dimensions?: number;
  lsh?: LshOptions;
  /** Noise added to a stored vector to build a query (0.6 -> cosine ~0.9 at 512 dims). */
  noise?: number;
  concurrency?: number;
  maxCandidates?: number;
}

export interface SemanticBenchResult {
  capabilities: RedisVectorCapabilities;
  entries: number;
  dimensions: number;
  lsh: LshOptions;
  maxCandidates: number;
  insertSeconds: number;
  lookup: { p50Ms: number; p99Ms: number; meanMs: number; queries: number };
  /** Share of queries whose source entry came back first (LSH recall at the query cosine). */
  top1Recall: number;
  meanQueryCosine: number;
  bytesPerEntry: { entryHash: number; bandSets: number; orderZset: number; total: number };
}

function gaussianRng(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function memoryOf(redis: Redis, keys: string[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < keys.length; i += 1000) {
    const p = redis.pipeline();
    for (const k of keys.slice(i, i + 1000)) p.memory('USAGE', k, 'SAMPLES', 0);
    for (const [, v] of (await p.exec()) ?? []) total += Number(v ?? 0);
  }
  return total;
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

/**
 * Lookup latency (excluding embedding, including LSH hashing) and memory per entry of RedisSemanticIndex
 * with `entries` random unit vectors in ONE bucket (worst case: one tenant, one context). Deletes its keys.
 */
export async function benchSemantic(options: SemanticBenchOptions = {}): Promise<SemanticBenchResult> {
  const n = options.entries ?? 100_000;
  const queries = options.queries ?? 1000;
  const dims = options.dimensions ?? 512;
  const lsh = options.lsh ?? DEFAULT_LSH;
  const noise = options.noise ?? 0.6;
  const concurrency = options.concurrency ?? 256;
  const redis = new Redis(options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const root = `bench:sem:${randomUUID()}:`;
  const index = new RedisSemanticIndex(redis, {
    prefix: root,
    dimensions: dims,
    lsh,
    maxPerBucket: n + 1,
    maxCandidates: options.maxCandidates,
  });
  const bucket = 'bench-bucket';
  const rand = gaussianRng(42);
  const vector = (): Float32Array => l2Normalize(Float32Array.from({ length: dims }, rand));
  const text = 'How do I reverse a linked list in Python without recursion?';
  try {
    const capabilities = await detectRedisVectorSearch(redis);
    const probes: Float32Array[] = [];
    const probeEvery = Math.max(1, Math.floor(n / queries));
    const t0 = performance.now();
    for (let i = 0; i < n; i += concurrency) {
      const batch: Promise<void>[] = [];
      for (let j = i; j < Math.min(n, i + concurrency); j++) {
        const v = vector();
        if (j % probeEvery === 0 && probes.length < queries) probes.push(v);
        batch.push(index.add(bucket, { id: `e${j.toString(36)}`, text, value: `resp:${j}`, vector: v }));
      }
      await Promise.all(batch);
    }
    const insertSeconds = (performance.now() - t0) / 1000;

    const latencies: number[] = [];
    let found = 0;
    let cosSum = 0;
    for (let q = 0; q < probes.length; q++) {
      const src = probes[q];
      const query = l2Normalize(Float32Array.from(src, (x) => x + (noise / Math.sqrt(dims)) * rand()));
      let dot = 0;
      for (let i = 0; i < dims; i++) dot += query[i] * src[i];
      cosSum += dot;
      const start = performance.now();
      const res = await index.search(bucket, query, { k: 1, minScore: 0.5 });
      latencies.push(performance.now() - start);
      if (res[0]?.id === `e${(q * probeEvery).toString(36)}`) found++;
    }
    latencies.sort((a, b) => a - b);

    const entryKeys = await scanKeys(redis, `${root}*e:{${bucket}}:*`);
    const sample = entryKeys.filter((_k, i) => i % Math.max(1, Math.floor(entryKeys.length / 2000)) === 0);
    const entryHash = (await memoryOf(redis, sample)) / sample.length;
    const bandSets = (await memoryOf(redis, await scanKeys(redis, `${root}*l:{${bucket}}:*`))) / n;
    const orderZset = (await memoryOf(redis, await scanKeys(redis, `${root}*z:{${bucket}}`))) / n;
    return {
      capabilities,
      entries: n,
      dimensions: dims,
      lsh,
      maxCandidates: options.maxCandidates ?? 256,
      insertSeconds: +insertSeconds.toFixed(1),
      lookup: {
        p50Ms: +quantile(latencies, 0.5).toFixed(2),
        p99Ms: +quantile(latencies, 0.99).toFixed(2),
        meanMs: +(latencies.reduce((s, x) => s + x, 0) / latencies.length).toFixed(2),
        queries: latencies.length,
      },
      top1Recall: +(found / probes.length).toFixed(3),
      meanQueryCosine: +(cosSum / probes.length).toFixed(3),
      bytesPerEntry: {
        entryHash: Math.round(entryHash),
        bandSets: Math.round(bandSets),
        orderZset: Math.round(orderZset),
        total: Math.round(entryHash + bandSets + orderZset),
      },
    };
  } finally {
    const keys = await scanKeys(redis, `${root}*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
    await redis.quit();
  }
}

// Run directly: `npx vite-node apps/gateway/src/semantic-cache/bench-semantic.ts` (or node on the built .js).
if (/bench-semantic\.(ts|js)$/.test(process.argv[1] ?? '')) {
  const entries = Number(process.env.BENCH_SEMANTIC_ENTRIES ?? 100_000);
  benchSemantic({ entries })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
