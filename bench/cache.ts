import { request, type Agent } from 'undici';
import { fixedRate, warmUp, type LoadRun } from './load';
import { cacheableBodies, chatBody } from './payloads';
import { SETTINGS } from './settings';
import { concat, round, summarise, type LatencyStats } from './stats';

/** Exact-cache hits through the gateway (Redis store) against the fake provider answering directly, same rate. */
export interface ExactCacheResult {
  skipped?: string;
  entries: number;
  bytesPerEntry: number;
  /** Requests answered by the gateway in the measured rounds, and how many of them the cache served. */
  requests: number;
  hits: number;
  errors: number;
  firstError?: string;
  gatewayHit: LatencyStats;
  direct: LatencyStats;
}

interface CacheStats {
  store: { entries: number; bytes: number };
  exact: { hits: number };
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function cacheStats(gateway: string): Promise<CacheStats> {
  const res = await request(`${gateway}/v1/admin/cache/stats`);
  const body = (await res.body.json()) as CacheStats;
  if (res.statusCode !== 200) throw new Error(`cache stats: HTTP ${res.statusCode} ${JSON.stringify(body)}`);
  return body;
}

/** Purges what the phase stored (the gateway's key prefix is private to this run anyway). */
export async function purgeCache(gateway: string): Promise<void> {
  const res = await request(`${gateway}/v1/admin/cache/purge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ all: true }),
  });
  await res.body.dump();
}

/**
 * Fills the cache with SETTINGS.cache.entries distinct answers, then sends them again in turn at the fixed rate
 * (every request a hit), interleaved with the same rate straight to the fake provider as the baseline.
 */
export async function exactCachePhase(client: Agent, gateway: string, direct: string): Promise<ExactCacheResult> {
  const { entries, rps, seconds } = SETTINGS.cache;
  const bodies = cacheableBodies('fast', entries);
  const fill: LoadRun = { ok: 0, errors: 0, seconds: 0, latencies: [] };
  for (const body of bodies) {
    const run = await warmUp(client, gateway, body, 1, 1);
    fill.errors += run.errors;
    fill.firstError ??= run.firstError;
  }
  let stats = await cacheStats(gateway);
  for (let i = 0; i < 50 && stats.store.entries < entries; i++) {
    await new Promise((r) => setTimeout(r, 100)); // stores are written in the background
    stats = await cacheStats(gateway);
  }
  log(`  cache: ${stats.store.entries} entries stored, ${stats.store.bytes} bytes`);
  const directBody = chatBody('fast').replace('"temperature":0.2', '"temperature":0');
  await warmUp(client, direct, directBody, 1000);
  const warm = await warmUp(client, gateway, bodies[0], 1000);
  const hitsBefore = (await cacheStats(gateway)).exact.hits;
  const runs: { gateway: LoadRun[]; direct: LoadRun[] } = { gateway: [], direct: [] };
  for (let round = 0; round < SETTINGS.rounds; round++) {
    const order = round % 2 === 0 ? (['direct', 'gateway'] as const) : (['gateway', 'direct'] as const);
    for (const target of order) {
      const run =
        target === 'gateway'
          ? await fixedRate(client, gateway, bodies, rps, seconds)
          : await fixedRate(client, direct, directBody, rps, seconds);
      runs[target].push(run);
      const p = summarise(run.latencies);
      log(
        `  cache hit  round ${round + 1}/${SETTINGS.rounds}  ${target.padEnd(7)} p50 ${p.p50.toFixed(3)} ms  p99 ${p.p99.toFixed(3)} ms  errors ${run.errors}`,
      );
    }
  }
  const hits = (await cacheStats(gateway)).exact.hits - hitsBefore;
  const all = [...runs.gateway, ...runs.direct, fill, warm];
  return {
    entries: stats.store.entries,
    bytesPerEntry: stats.store.entries ? round(stats.store.bytes / stats.store.entries, 0) : 0,
    requests: runs.gateway.reduce((n, r) => n + r.ok + r.errors, 0),
    hits,
    errors: all.reduce((n, r) => n + r.errors, 0),
    firstError: all.find((r) => r.firstError)?.firstError,
    gatewayHit: summarise(concat(runs.gateway.map((r) => r.latencies))),
    direct: summarise(concat(runs.direct.map((r) => r.latencies))),
  };
}
