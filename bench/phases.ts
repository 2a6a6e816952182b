import type { Agent } from 'undici';
import { processTicks } from './cpu-meter';
import { fixedRate, type LoadRun, maxThroughput, warmUp } from './load';
import { chatBody } from './payloads';
import { SETTINGS } from './settings';
import { concat, type LatencyStats, round, summarise } from './stats';

export const TARGETS = ['direct', 'passthrough', 'gateway'] as const;
export type TargetName = (typeof TARGETS)[number];
export type Origins = Record<TargetName, string>;

export interface TargetResult {
  ok: number;
  errors: number;
  firstError?: string;
  /** Successful requests per second over all rounds. */
  rps: number;
  latency: LatencyStats;
  /** p50 of each round, to show drift between rounds. */
  roundP50: number[];
  /** CPU time of the target's own process per successful request (µs), when its pid is known. */
  cpuUsPerRequest: number | null;
}

/** The process behind each target (fake provider, pass-through, gateway), for CPU per request. */
export type TargetPids = Record<TargetName, number>;
export type PhaseResult = Record<TargetName, TargetResult>;

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function merge(runs: LoadRun[], cpuTicks: number | null): TargetResult {
  const ok = runs.reduce((n, r) => n + r.ok, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  return {
    // A tick is 10 ms: µs per request = ticks × 10,000 / requests.
    cpuUsPerRequest: cpuTicks === null || ok === 0 ? null : round((cpuTicks * 10_000) / ok, 1),
    ok,
    errors: runs.reduce((n, r) => n + r.errors, 0),
    firstError: runs.find((r) => r.firstError)?.firstError,
    rps: round(ok / seconds, 1),
    latency: summarise(concat(runs.map((r) => r.latencies))),
    roundP50: runs.map((r) => summarise(r.latencies).p50),
  };
}

/** Runs `once` for every target, SETTINGS.rounds times, alternating forward and reverse order (ABC CBA ...). */
async function interleaved(
  label: string,
  once: (target: TargetName) => Promise<LoadRun>,
  pids?: TargetPids,
): Promise<PhaseResult> {
  const runs = { direct: [], passthrough: [], gateway: [] } as Record<TargetName, LoadRun[]>;
  const ticks: Record<TargetName, number> = { direct: 0, passthrough: 0, gateway: 0 };
  for (let round = 0; round < SETTINGS.rounds; round++) {
    const order = round % 2 === 0 ? [...TARGETS] : [...TARGETS].reverse();
    for (const target of order) {
      const before = pids ? processTicks(pids[target]) : 0;
      const run = await once(target);
      if (pids) ticks[target] += processTicks(pids[target]) - before;
      runs[target].push(run);
      const p = summarise(run.latencies);
      log(
        `  ${label}  round ${round + 1}/${SETTINGS.rounds}  ${target.padEnd(11)} ${(run.ok / run.seconds).toFixed(0).padStart(6)} req/s` +
          `  p50 ${p.p50.toFixed(3)} ms  p99 ${p.p99.toFixed(3)} ms  errors ${run.errors}`,
      );
    }
  }
  const cpu = (t: TargetName) => (pids ? ticks[t] : null);
  return {
    direct: merge(runs.direct, cpu('direct')),
    passthrough: merge(runs.passthrough, cpu('passthrough')),
    gateway: merge(runs.gateway, cpu('gateway')),
  };
}

/** A few hundred requests of every kind to every target before anything is measured; returns the errors seen. */
export async function warmUpAll(client: Agent, origins: Origins): Promise<number> {
  let errors = 0;
  for (const target of TARGETS) {
    for (const [body, count] of [
      [chatBody('fast'), SETTINGS.warmupRequests],
      [chatBody('fast', true), SETTINGS.warmupRequests],
      [chatBody('stream-slow', true), SETTINGS.warmupRequests / 4],
    ] as const) {
      const run = await warmUp(client, origins[target], body, count);
      errors += run.errors;
      if (run.firstError) log(`  warm-up ${target}: ${run.errors} errors, first: ${run.firstError}`);
    }
  }
  log(`  warm-up done (${errors} errors)`);
  return errors;
}

/** 2a: non-streaming `fast` at a fixed request rate. */
export function latencyPhase(client: Agent, origins: Origins): Promise<PhaseResult> {
  const { rps, seconds } = SETTINGS.fixedRate;
  return interleaved(`${rps} rps`, (t) => fixedRate(client, origins[t], chatBody('fast'), rps, seconds));
}

/** 2b: non-streaming `fast`, as many requests as `connections` keep-alive connections can carry. */
export function throughputPhase(origins: Origins, pids?: TargetPids): Promise<PhaseResult> {
  const { connections, seconds } = SETTINGS.throughput;
  return interleaved('max rps', (t) => maxThroughput(origins[t], chatBody('fast'), connections, seconds), pids);
}

/** 3: streaming, both the one-write `fast` stream and the 24-event `stream-slow` one; latency is to the stream's end. */
export async function streamingPhases(
  origins: Origins,
  pids?: TargetPids,
): Promise<{ fast: PhaseResult; slow: PhaseResult }> {
  const f = SETTINGS.streamFast;
  const fast = await interleaved(
    'stream fast',
    (t) => maxThroughput(origins[t], chatBody('fast', true), f.connections, f.seconds),
    pids,
  );
  const s = SETTINGS.streamSlow;
  const slow = await interleaved(
    'stream slow',
    (t) => maxThroughput(origins[t], chatBody('stream-slow', true), s.connections, s.seconds),
    pids,
  );
  return { fast, slow };
}
