import { availableParallelism } from 'node:os';
import { exactCachePhase, type ExactCacheResult, purgeCache } from './cache';
import { CpuMeter } from './cpu-meter';
import { formatsPhase } from './formats';
import { ingestPhase } from './ingest';
import { createClient } from './load';
import { memoryPhase } from './memory';
import { latencyPhase, type Origins, type PhaseResult, streamingPhases, throughputPhase, warmUpAll } from './phases';
import { rssMb } from './processes';
import { type BenchResults, goals, render, type SemanticPhase, writeJson } from './report';
import { type RouterBenchResult, routerPhase } from './router';
import { benchSemantic } from './semantic';
import { benchRouterConfig, startServices } from './services';
import { BENCH_REDIS_URL, SETTINGS } from './settings';
import { summarise } from './stats';

/**
 * `npm run bench`: fake provider, pass-through proxy and gateway each in a child process; this process only generates
 * load. Goals are reported, not asserted: the exit code is non-zero only when the benchmark itself failed (errors,
 * timeouts, unfinished streams, a child that did not start). Set BENCH_CPU_PROF=DIR to CPU-profile the gateway.
 * The last phase measures the analyzer instead (its own nats-server and analyzer processes, see ingest.ts);
 * BENCH_INGEST_PROFILE=1 always adds its CPU-profiled second drain, =0 never (default: only on a miss).
 */
async function main(): Promise<number> {
  const started = performance.now();
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  log('bench: starting fake provider, pass-through and gateway');
  const services = await startServices(process.env.BENCH_CPU_PROF);
  const client = createClient();
  try {
    const origins: Origins = { direct: services.direct, passthrough: services.passthrough, gateway: services.gateway };
    log(
      `bench: direct ${origins.direct}, pass-through ${origins.passthrough}, gateway ${origins.gateway} (pid ${services.gatewayPid}, RSS ${rssMb(services.gatewayPid).toFixed(1)} MB)`,
    );
    const meter = new CpuMeter([process.pid, ...services.pids]);
    const foreignCpu: Record<string, number> = {};
    const measured = async <T>(name: string, phase: () => Promise<T>): Promise<T> => {
      const start = meter.snapshot();
      const result = await phase();
      foreignCpu[name] = meter.foreignCores(start);
      return result;
    };
    const warmupErrors = await warmUpAll(client, origins);
    const latency = await measured('latency', () => latencyPhase(client, origins));
    const throughput = await measured('throughput', () => throughputPhase(origins, services.targetPids));
    const streaming = await measured('streaming', () => streamingPhases(origins, services.targetPids));
    const formats = await measured('formats', () => formatsPhase(services.gateway, services.gatewayPid));
    log(`  memory: opening ${SETTINGS.memory.streams} streams`);
    const memory = await measured('memory', () =>
      memoryPhase(services.gateway, services.gatewayPid, services.longModels),
    );
    const exactCache: ExactCacheResult = services.redisUrl
      ? await measured('cache', () => exactCachePhase(client, services.gateway, services.direct))
      : skippedExactCache(`no Redis reachable at ${BENCH_REDIS_URL} (set BENCH_REDIS_URL)`);
    if (services.redisUrl) await purgeCache(services.gateway);
    log(`  semantic: filling one bucket with ${SETTINGS.semantic.entries} entries on Redis`);
    const semantic: SemanticPhase = services.redisUrl
      ? await measured('semantic', () =>
          benchSemantic({
            redisUrl: services.redisUrl!,
            entries: SETTINGS.semantic.entries,
            queries: SETTINGS.semantic.lookups,
          }),
        )
      : { skipped: `no Redis reachable at ${BENCH_REDIS_URL} (set BENCH_REDIS_URL)` };
    const router: RouterBenchResult = await measured('router', () =>
      routerPhase(client, services.gateway, services.natsUrl, benchRouterConfig(services.natsUrl)),
    );
    // Its own nats-server and analyzer; it measures the other processes' CPU itself (ours = every bench child).
    const ingest = await ingestPhase([process.pid, ...services.pids]);
    foreignCpu.ingest = ingest.foreignCores;

    const phases: PhaseResult[] = [latency, throughput, streaming.fast, streaming.slow];
    const totalErrors =
      warmupErrors +
      memory.failed +
      formats.reduce((n, f) => n + f.errors, 0) +
      ingest.errors +
      exactCache.errors +
      router.natsErrors +
      router.gatewayErrors +
      phases.reduce((n, p) => n + p.direct.errors + p.passthrough.errors + p.gateway.errors, 0);
    const added = (t: 'gateway' | 'passthrough') => ({
      p50: +(latency[t].latency.p50 - latency.direct.latency.p50).toFixed(3),
      p99: +(latency[t].latency.p99 - latency.direct.latency.p99).toFixed(3),
    });
    const results: BenchResults = {
      startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
      seconds: Math.round((performance.now() - started) / 1000),
      machine: { node: process.version, cpus: availableParallelism() },
      settings: SETTINGS,
      warmupErrors,
      foreignCpu,
      latency,
      throughput,
      streaming,
      formats,
      memory,
      ingest,
      exactCache,
      semantic,
      router,
      added: { gateway: added('gateway'), passthrough: added('passthrough') },
      goals: goals(latency, throughput, memory, ingest, exactCache, semantic, router),
      totalErrors,
    };
    process.stdout.write(`\n${render(results)}\n`);
    process.stdout.write(`\nResults written to ${await writeJson(results)}\n`);
    for (const p of phases) {
      for (const [target, r] of Object.entries(p)) if (r.firstError) log(`bench: ${target}: ${r.firstError}`);
    }
    if (ingest.firstError) log(`bench: ingest: ${ingest.firstError}`);
    if (exactCache.firstError) log(`bench: cache: ${exactCache.firstError}`);
    if (router.natsFirstError) log(`bench: router over NATS: ${router.natsFirstError}`);
    if (router.gatewayFirstError) log(`bench: router through the gateway: ${router.gatewayFirstError}`);
    return totalErrors === 0 ? 0 : 1;
  } finally {
    await client.close();
    await services.stop();
  }
}

function skippedExactCache(reason: string): ExactCacheResult {
  process.stderr.write(`bench: exact cache phase skipped: ${reason}\n`);
  const none = summarise([]);
  return {
    skipped: reason,
    entries: 0,
    bytesPerEntry: 0,
    requests: 0,
    hits: 0,
    errors: 0,
    gatewayHit: none,
    direct: none,
  };
}

// Every phase is bounded; this only guards against a hang nobody foresaw (children die with this process).
setTimeout(() => {
  process.stderr.write('bench: still running after 9 minutes, giving up\n');
  process.exit(1);
}, 540_000).unref();

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
