import type { Agent } from 'undici';
import type { CallRecord } from '../calls';
import type { Ledger, MixedLoad } from '../load';
import type { ChaosSettings, FaultName } from '../settings';
import type { Stack, StackMode } from '../stack';
import type { Upstreams } from '../upstreams';

/** What a fault's run can reach: the stack it hits, the callers' ledger and the mixed load running beside it. */
export interface FaultContext {
  s: ChaosSettings;
  stack: Stack;
  upstreams: Upstreams;
  ledger: Ledger;
  agent: Agent;
  load: MixedLoad;
  /** What shows the fault happened (exit signals, pids, bytes...): printed and written to the results. */
  evidence: Record<string, unknown>;
  log(message: string): void;
}

/** A row as the suite reads it back (one per request id, with how many rows that id has). */
export interface RowInfo {
  request_id: string;
  n: number;
  status: string;
  http_status: number;
  error_type: string | null;
  request_truncated: boolean;
  response_truncated: boolean;
  request_original_chars: number;
  response_original_chars: number;
}

/** A fault-specific verdict (a 502 where one is due, the fault really happened...). */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Fault {
  name: FaultName;
  /** What it shows, one line (the summary prints it). */
  title: string;
  mode: StackMode;
  /**
   * Answers cut short (headers came, the body broke off) that must still have a row: true when the serving process
   * lives on or ends gracefully (it records them as aborted); false for a kill -9 of it.
   */
  cutMustHaveRow: boolean;
  /** Answered calls allowed to have no row (the embedded kill's documented window). */
  allowedMissing: number;
  /** Runs beside the mixed load; returns once the fault is over and the stack is whole again. */
  run(ctx: FaultContext): Promise<void>;
  /** Verdicts on the outcome, from the ledger and the rows. */
  checks(ctx: FaultContext, rows: Map<string, RowInfo>): Check[];
}

export const ok = (name: string, pass: boolean, detail: string): Check => ({ name, ok: pass, detail });

/** Mixed calls that did not get a 200 (the plumbing must never fail a call while the gateway is up). */
export function mixedNot200(calls: readonly CallRecord[]): CallRecord[] {
  return calls.filter((c) => c.group === 'mixed' && (c.outcome !== 'answered' || c.status !== 200));
}

export function describeFailures(calls: readonly CallRecord[], max = 3): string {
  const byKind = new Map<string, number>();
  for (const c of calls) {
    const key = c.outcome === 'answered' ? `HTTP ${c.status}` : `${c.outcome}${c.error ? ` (${c.error})` : ''}`;
    byKind.set(key, (byKind.get(key) ?? 0) + 1);
  }
  return [...byKind.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, max)
    .map(([k, n]) => `${n}× ${k}`)
    .join(', ');
}

export function allMixed200(ctx: FaultContext): Check {
  const bad = mixedNot200(ctx.ledger.calls);
  return ok(
    'every mixed call answered 200',
    bad.length === 0,
    bad.length === 0 ? `${ctx.ledger.group('mixed').length} of them` : describeFailures(bad),
  );
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const round = (n: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** p50/p99 latency (ms) of the mixed calls started within [from, to] (performance.now()). */
export function mixedLatency(
  calls: readonly CallRecord[],
  from = 0,
  to = Infinity,
): { n: number; p50: number; p99: number } {
  const ms = calls
    .filter((c) => c.group === 'mixed' && c.outcome === 'answered' && c.startedAt >= from && c.startedAt <= to)
    .map((c) => c.ms);
  return { n: ms.length, p50: round(percentile(ms, 50), 1), p99: round(percentile(ms, 99), 1) };
}

export const mb = (bytes: number): number => round(bytes / (1024 * 1024), 1);
