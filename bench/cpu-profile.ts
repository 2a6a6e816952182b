import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { round } from './stats';

/** The parts of a V8 `.cpuprofile` (node --cpu-prof) used here. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }>;
  /** µs on the monotonic clock (process.hrtime / 1000). */
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  /** Main-thread wall time the profile covers, s. */
  seconds: number;
  /** Share of the main thread's time per category, % (idle = waiting for NATS or chDB's threads). */
  categories: Array<{ name: string; pct: number }>;
  /** Functions with the most self time, % of all samples. */
  top: Array<{ fn: string; pct: number }>;
}

/**
 * First match wins: [category, test on the frame's url (`file:///…`, `node:…` or '' for V8 built-ins) and name].
 * Row building = event-to-row (JSON.stringify of request/response, pricing); JSON decode = the consumer's UTF-8 +
 * JSON.parse of each message; store = rows to JSON lines and the chDB calls (the INSERT itself runs off-thread).
 */
const CATEGORIES: Array<[string, (url: string, fn: string) => boolean]> = [
  ['idle', (_url, fn) => fn === '(idle)'],
  ['GC', (_url, fn) => fn === '(garbage collector)'],
  // The BPE pre-tokenisation regexes run as their own frames (`RegExp: [^\r\n\p{L}\p{N}]?...`).
  [
    'tokenizer',
    (url, fn) =>
      /js-tiktoken|\/enrichment\/(token-counter|fast-bpe|encodings|render-|prompt-sink|tool-overhead)/.test(url) ||
      (fn.startsWith('RegExp: ') && fn.includes('\\p{L}')),
  ],
  ['cache prediction', (url) => /\/enrichment\/(cache-predictor|cache-policy|prefix-state-store)/.test(url)],
  ['row building', (url) => /\/enrichment\/(event-to-row|json)\.|\/pricing\//.test(url)],
  ['JSON decode', (url) => /\/messaging\/src\/call-event-codec/.test(url)],
  ['NATS client', (url) => /node_modules\/nats\/|\/messaging\/src\//.test(url)],
  ['store (JSON lines)', (url) => /node_modules\/chdb\/|\/store\/src\//.test(url)],
  ['HTTP, logging', (url) => /node_modules\/(fastify|@nestjs|pino|find-my-way|avvio|undici)/.test(url)],
  ['node internals', (url) => url.startsWith('node:')],
  ['V8/native', (url) => url === ''],
];

function categorise(url: string, fn: string): string {
  return CATEGORIES.find(([, test]) => test(url, fn))?.[0] ?? 'other';
}

function label(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  const fn = name.length > 40 ? `${name.slice(0, 37)}...` : name;
  if (!frame.url) return fn;
  const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '');
  return `${fn} ${file}:${frame.lineNumber + 1}`;
}

/**
 * Self time per category and the hottest functions of the `.cpuprofile` files in `dir` (normally one), counting only
 * samples taken within `window` (monotonic µs) when given.
 */
export function summariseCpuProfile(dir: string, window?: { fromUs: number; toUs: number }): ProfileSummary | null {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return null;
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let micros = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const from = Math.max(profile.startTime, window?.fromUs ?? -Infinity);
    const to = Math.min(profile.endTime, window?.toUs ?? Infinity);
    if (to <= from) continue;
    micros += to - from;
    const hits = new Map<number, number>();
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    let at = profile.startTime;
    for (let i = 0; i < samples.length; i++) {
      at += deltas[i] ?? 0;
      if (at >= from && at <= to) hits.set(samples[i], (hits.get(samples[i]) ?? 0) + 1);
    }
    for (const node of profile.nodes) {
      const count = hits.get(node.id) ?? 0;
      if (count === 0) continue;
      total += count;
      const category = categorise(node.callFrame.url, node.callFrame.functionName);
      byCategory.set(category, (byCategory.get(category) ?? 0) + count);
      if (category === 'idle') continue;
      const key = label(node.callFrame);
      byFunction.set(key, (byFunction.get(key) ?? 0) + count);
    }
  }
  if (total === 0) return null;
  const pct = (n: number): number => round((n / total) * 100, 1);
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    seconds: round(micros / 1e6, 2),
    categories: sorted(byCategory).map(([name, n]) => ({ name, pct: pct(n) })),
    top: sorted(byFunction)
      .slice(0, 6)
      .map(([fn, n]) => ({ fn, pct: pct(n) })),
  };
}
