import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { ExactCacheResult } from './cache';
import type { FormatPairResult } from './formats';
import type { IngestResult } from './ingest';
import { ingestGoal, renderIngest } from './ingest-report';
import type { MemoryResult } from './memory';
import { type PhaseResult, TARGETS } from './phases';
import type { RouterBenchResult } from './router';
import type { SemanticBenchResult } from './semantic';
import { SETTINGS } from './settings';
import { round } from './stats';

export interface Goal {
  goal: string;
  measured: number;
  unit: string;
  target: string;
  pass: boolean;
  /** How far from the target, when missed (e.g. "+0.42 ms", "-18%"). */
  missBy?: string;
}

/** The semantic index phase, or why it did not run. */
export type SemanticPhase = SemanticBenchResult | { skipped: string };

export interface BenchResults {
  startedAt: string;
  seconds: number;
  machine: { node: string; cpus: number };
  settings: typeof SETTINGS;
  warmupErrors: number;
  /** Average cores used by processes other than the benchmark's, per phase. */
  foreignCpu: Record<string, number>;
  latency: PhaseResult;
  throughput: PhaseResult;
  streaming: { fast: PhaseResult; slow: PhaseResult };
  /** One streamed answer per caller x upstream format pair, through the gateway. */
  formats: FormatPairResult[];
  memory: MemoryResult;
  ingest: IngestResult;
  exactCache: ExactCacheResult;
  semantic: SemanticPhase;
  router: RouterBenchResult;
  added: { gateway: { p50: number; p99: number }; passthrough: { p50: number; p99: number } };
  goals: Goal[];
  /** Errors in every phase, warm-up included; anything but 0 fails the benchmark. */
  totalErrors: number;
}

const fmt = (n: number, digits = 3): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function phaseTable(
  phase: PhaseResult,
  extra?: (t: (typeof TARGETS)[number]) => string[],
  extraHead: string[] = [],
): string {
  const head = ['target', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'ok', 'errors', 'CPU µs/req', ...extraHead];
  const rows = TARGETS.map((t) => {
    const r = phase[t];
    const l = r.latency;
    return [
      t,
      fmt(r.rps, 0),
      fmt(l.p50),
      fmt(l.p90),
      fmt(l.p99),
      fmt(l.max, 1),
      String(r.ok),
      String(r.errors),
      r.cpuUsPerRequest === null ? '-' : fmt(r.cpuUsPerRequest, 0),
      ...(extra?.(t) ?? []),
    ];
  });
  return table(head, rows);
}

const ratio = (phase: PhaseResult): string => fmt(phase.gateway.rps / phase.passthrough.rps, 2);

/** Turns the measurements into goals with PASS/MISS. */
export function goals(
  latency: PhaseResult,
  throughput: PhaseResult,
  memory: MemoryResult,
  ingest: IngestResult,
  exactCache: ExactCacheResult,
  semantic: SemanticPhase,
  router: RouterBenchResult,
): Goal[] {
  const t = SETTINGS.targets;
  const addedP50 = round(latency.gateway.latency.p50 - latency.direct.latency.p50);
  const addedP99 = round(latency.gateway.latency.p99 - latency.direct.latency.p99);
  const tputRatio = round(throughput.gateway.rps / throughput.passthrough.rps, 3);
  const below = (goal: string, measured: number, unit: string, limit: number): Goal => ({
    goal,
    measured,
    unit,
    target: `< ${limit} ${unit}`,
    pass: measured < limit,
    missBy:
      measured < limit ? undefined : `+${fmt(measured - limit, 2)} ${unit} (${fmt(measured / limit, 2)}x the limit)`,
  });
  return [
    below(`added p50 latency at ${SETTINGS.fixedRate.rps} req/s`, addedP50, 'ms', t.addedP50Ms),
    below(`added p99 latency at ${SETTINGS.fixedRate.rps} req/s`, addedP99, 'ms', t.addedP99Ms),
    {
      goal: 'throughput gateway / pass-through',
      measured: tputRatio,
      unit: 'x',
      target: `>= ${t.throughputRatio} x`,
      pass: tputRatio >= t.throughputRatio,
      missBy:
        tputRatio >= t.throughputRatio ? undefined : `${fmt((tputRatio / t.throughputRatio - 1) * 100, 0)}% below`,
    },
    below(`peak RSS with ${memory.streams} streams`, memory.rssPeakMb, 'MB', t.rssMb),
    ingestGoal(ingest),
    ...(exactCache.skipped
      ? []
      : [below('exact-cache hit p99 through the gateway (Redis)', exactCache.gatewayHit.p99, 'ms', t.exactHitP99Ms)]),
    ...('skipped' in semantic
      ? []
      : [
          below(
            `semantic lookup p99 at ${semantic.entries} entries (Redis, embedding excluded)`,
            semantic.p99Ms,
            'ms',
            t.semanticLookupP99Ms,
          ),
        ]),
    below('router decision p99 over NATS', router.nats.p99, 'ms', t.routerNatsP99Ms),
  ];
}

function renderSemantic(r: SemanticPhase): string[] {
  const title = `8. Semantic index lookups on plain Redis (one bucket, LexicalEmbedder vectors, embedding time excluded)`;
  if ('skipped' in r) return [title, `   skipped: ${r.skipped}`];
  return [
    title,
    `   ${r.entries} entries (inserted in ${fmt(r.insertSeconds, 1)} s), ${r.queries} lookups: p50 ${fmt(r.p50Ms)} ms, p95 ${fmt(r.p95Ms)} ms, p99 ${fmt(r.p99Ms)} ms, max ${fmt(r.maxMs, 1)} ms`,
    `   recall of the planted near-duplicate ${fmt(r.recall, 3)} (${fmt(r.recallNearThreshold, 3)} at cosine 0.85-0.90); ${fmt(r.bytesPerEntry, 0)} bytes per entry in Redis`,
  ];
}

function renderRouter(r: RouterBenchResult): string[] {
  const row = (name: string, l: RouterBenchResult['nats']) => [name, fmt(l.p50), fmt(l.p90), fmt(l.p99), fmt(l.max, 1)];
  const added = (q: 'p50' | 'p99') => fmt(r.gatewayAuto[q] - r.gatewayFixed[q]);
  return [
    `7. Router (features classifier): decisions in-process and over NATS (one in flight), and through the gateway at ${SETTINGS.fixedRate.rps} req/s`,
    table(
      ['decision', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      [
        row('in-process (RouterEngine)', r.inProcess),
        row('over NATS (router service)', r.nats),
        row('baseline: NATS echo process', r.natsEcho),
        row('gateway, model "auto"', r.gatewayAuto),
        row('gateway, fixed model', r.gatewayFixed),
      ],
    ),
    `   router service / bare NATS echo: p50 ${fmt(r.nats.p50 / r.natsEcho.p50, 2)}x, p99 ${fmt(r.nats.p99 / r.natsEcho.p99, 2)}x`,
    `   "auto" adds p50 ${added('p50')} ms, p99 ${added('p99')} ms over a fixed model (same upstream); NATS errors ${r.natsErrors}`,
  ];
}

function renderExactCache(c: ExactCacheResult): string[] {
  const s = SETTINGS.cache;
  const title = `6. Exact-cache hits through the gateway (Redis store), ${s.entries} distinct entries in turn, fixed ${s.rps} req/s, ${s.seconds} s x ${SETTINGS.rounds}`;
  if (c.skipped) return [title, `   skipped: ${c.skipped}`];
  const row = (name: string, l: ExactCacheResult['direct']) => [
    name,
    fmt(l.p50),
    fmt(l.p90),
    fmt(l.p99),
    fmt(l.max, 1),
  ];
  return [
    title,
    table(
      ['target', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      [row('gateway, cache hit', c.gatewayHit), row('provider (fake) direct', c.direct)],
    ),
    `   hit / direct p99 = ${fmt(c.gatewayHit.p99 / c.direct.p99, 2)}; served from the cache: ${c.hits}/${c.requests}; ` +
      `${c.entries} entries, ${c.bytesPerEntry} bytes per entry in Redis (MEMORY USAGE, ~${fmt(c.bytesPerEntry / 1024, 1)} KiB)`,
  ];
}

const FOREIGN_CPU_WARN_CORES = 0.2;

/** Other processes' CPU per phase, with a warning when they took a noticeable share of the machine. */
function noise(foreign: Record<string, number>): string {
  const worst = Math.max(0, ...Object.values(foreign));
  const list = Object.entries(foreign)
    .map(([phase, cores]) => `${phase} ${fmt(cores, 2)}`)
    .join(', ');
  const warning =
    worst > FOREIGN_CPU_WARN_CORES
      ? `\nWARNING: other processes used up to ${fmt(worst, 2)} cores during a phase; absolute numbers and p99s are skewed, rerun on an idle machine.`
      : '';
  return `CPU used by other processes (cores, average per phase): ${list}${warning}`;
}

function renderFormats(list: FormatPairResult[]): string[] {
  const { connections, seconds } = SETTINGS.formats;
  const chat = list.find((f) => f.pair === 'chat -> chat')?.cpuUsPerEvent ?? null;
  return [
    `3c. Wire formats: one streamed answer per caller -> upstream pair through the gateway, ${connections} connections, ${seconds} s x ${SETTINGS.rounds}`,
    table(
      ['pair', 'req/s', 'p50 ms', 'errors', 'events', 'CPU µs/req', 'CPU µs/event', 'vs chat -> chat'],
      list.map((f) => [
        f.pair,
        fmt(f.rps, 0),
        fmt(f.p50Ms),
        String(f.errors),
        String(f.eventsPerStream),
        f.cpuUsPerRequest === null ? '-' : fmt(f.cpuUsPerRequest, 0),
        f.cpuUsPerEvent === null ? '-' : fmt(f.cpuUsPerEvent, 1),
        f.cpuUsPerEvent === null || chat === null ? '-' : fmt(f.cpuUsPerEvent / chat, 2),
      ]),
    ),
  ];
}

/** The human-readable report. */
export function render(r: BenchResults): string {
  const lat = r.latency;
  const addedCols = (t: (typeof TARGETS)[number]): string[] =>
    t === 'direct'
      ? ['-', '-']
      : [fmt(lat[t].latency.p50 - lat.direct.latency.p50), fmt(lat[t].latency.p99 - lat.direct.latency.p99)];
  const vsPass = (p: PhaseResult) => (t: (typeof TARGETS)[number]) => [fmt(p[t].rps / p.passthrough.rps, 2)];
  const m = r.memory;
  const s = SETTINGS;
  return [
    `LessLLM gateway benchmark - node ${r.machine.node}, ${r.machine.cpus} CPUs, ${s.rounds} interleaved rounds per target, ${fmt(r.seconds, 0)} s`,
    '',
    `1. Non-streaming \`fast\`, fixed ${s.fixedRate.rps} req/s, ${s.fixedRate.seconds} s x ${s.rounds} per target (open loop)`,
    phaseTable(lat, addedCols, ['added p50', 'added p99']),
    '',
    `2. Non-streaming \`fast\`, max throughput, ${s.throughput.connections} connections, ${s.throughput.seconds} s x ${s.rounds} (autocannon)`,
    phaseTable(r.throughput, vsPass(r.throughput), ['vs pass-through']),
    `   gateway / pass-through = ${ratio(r.throughput)}`,
    '',
    `3a. Streaming \`fast\` (whole SSE body at once), ${s.streamFast.connections} connections, latency to end of stream`,
    phaseTable(r.streaming.fast, vsPass(r.streaming.fast), ['vs pass-through']),
    `3b. Streaming \`stream-slow\` (24 events, ${s.fake.mainChunkDelayMs} ms apart), ${s.streamSlow.connections} connections`,
    phaseTable(r.streaming.slow, vsPass(r.streaming.slow), ['vs pass-through']),
    '',
    ...renderFormats(r.formats),
    '',
    `4. Memory: ${m.streams} concurrent ~10 s streams through the gateway (spread over ${s.memory.providers} provider entries)`,
    `   completed ${m.completed}/${m.streams}, most open at once ${m.maxOpen}, stream duration p50 ${fmt(m.streamSeconds.p50, 2)} s,` +
      ` max ${fmt(m.streamSeconds.max, 2)} s${m.firstError ? `, first failure: ${m.firstError}` : ''}`,
    `   gateway RSS: before ${fmt(m.rssBeforeMb, 1)} MB, plateau (all open) ${fmt(m.rssPlateauMb, 1)} MB, peak ${fmt(m.rssPeakMb, 1)} MB`,
    '',
    ...renderIngest(r.ingest),
    '',
    ...renderExactCache(r.exactCache),
    '',
    ...renderRouter(r.router),
    '',
    ...renderSemantic(r.semantic),
    '',
    'Goals',
    table(
      ['goal', 'measured', 'target', 'result'],
      r.goals.map((g) => [
        g.goal,
        `${fmt(g.measured, g.unit === 'MB' ? 1 : g.unit === 'events/s' ? 0 : 3)} ${g.unit}`,
        g.target,
        g.pass ? 'PASS' : `MISS ${g.missBy}`,
      ]),
    ),
    '',
    `Errors (non-2xx, transport, timeouts, unfinished streams), all phases: ${r.totalErrors}${r.warmupErrors ? ` (warm-up: ${r.warmupErrors})` : ''}`,
    noise(r.foreignCpu),
  ].join('\n');
}

/** Writes bench/results/latest.json (next to the sources, whatever the working directory), formatted as `npm run lint` wants. */
export async function writeJson(r: BenchResults): Promise<string> {
  const dir = path.resolve(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'latest.json');
  const options = await resolveConfig(file);
  writeFileSync(file, await format(JSON.stringify(r), { ...options, filepath: file }));
  return file;
}
