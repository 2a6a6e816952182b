import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { newAgent } from './calls';
import { FAULTS } from './faults';
import type { Fault, FaultContext } from './faults/fault';
import { Ledger, startMixedLoad } from './load';
import { cliEntry, startWatchdog } from './processes';
import { type FaultResult, details, table } from './report';
import { type ChaosSettings, loadSettings, NATS_SERVER_BIN, REDIS_SERVER_BIN } from './settings';
import { Stack } from './stack';
import { type Upstreams, startUpstreams } from './upstreams';
import { dueRows, settle } from './verify';

/**
 * `npm run chaos`: for each fault of the matrix, a fresh stack (the built `lessllm` CLI as child processes: gateway +
 * analyzer over a private JetStream with chDB, or `lessllm server`; a private Redis), the mixed load beside the
 * fault, then the rows read back through the analytics API and checked: every answered call has exactly one row,
 * the hourly rollup equals the table. Knobs: CHAOS_CALLS, CHAOS_FAULTS, CHAOS_SHORT=1 (chaos/settings.ts).
 * Writes chaos/results/latest.json (latest-short.json with CHAOS_SHORT=1); exits 1 when a fault lost or duplicated a row, left the rollup off, or failed
 * one of its own checks.
 */
const RESULTS_DIR = path.resolve(__dirname, 'results');
const FAULT_TIMEOUT_MS = 6 * 60_000;

function log(message: string): void {
  const t = new Date().toISOString().slice(11, 19);
  process.stdout.write(`[${t}] ${message}\n`);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms / 1000} s`)), ms);
    }),
  ]);
}

async function runFault(
  fault: Fault,
  index: number,
  s: ChaosSettings,
  upstreams: Upstreams,
  root: string,
): Promise<FaultResult> {
  const t0 = performance.now();
  const dir = path.join(root, fault.name);
  mkdirSync(dir, { recursive: true });
  const stack = new Stack(fault.mode, dir, upstreams.ports, s);
  const ledger = new Ledger();
  const agent = newAgent(s.maxInFlight + 64);
  const evidence: Record<string, unknown> = {};
  let error: string | null = null;
  let ctx: FaultContext | null = null;
  const result: FaultResult = {
    fault: fault.name,
    title: fault.title,
    mode: fault.mode,
    durationS: 0,
    calls: { sent: 0, answered: 0, cut: 0, unanswered: 0, retriedRefused: 0, answeredNot200: 0, byGroup: {} },
    due: 0,
    rows: 0,
    missing: 0,
    allowedMissing: fault.allowedMissing,
    missingSample: [],
    cutWithoutRow: 0,
    duplicated: 0,
    extraRows: 0,
    extraRowsSample: [],
    answeredNot200Sample: [],
    rollup: { hourlyCalls: 0, rowsFinal: 0, rowsRaw: 0, drift: 0 },
    settle: { ms: 0, complete: false, lastRowMsByGroup: {} },
    peakRssMb: {},
    evidence,
    checks: [],
    error: null,
    pass: false,
    reasons: [],
  };
  try {
    log(`${fault.name}: starting the stack (${fault.mode})`);
    await stack.start({ analyzer: true });
    log(`${fault.name}: ${s.calls} mixed calls at ${s.rate}/s, fault: ${fault.title}`);
    const load = startMixedLoad(ledger, () => stack.origin, agent, s, 1000 + index);
    ctx = { s, stack, upstreams, ledger, agent, load, evidence, log: (m) => log(`${fault.name}: ${m}`) };
    await withTimeout(Promise.all([fault.run(ctx), load.done]), FAULT_TIMEOUT_MS, fault.name);
    const due = dueRows(ledger.calls, fault.cutMustHaveRow);
    log(`${fault.name}: traffic done (${ledger.calls.length} calls); waiting for ${due.length} rows`);
    const settled = await settle(stack, due, s.settleQuietMs, s.settleTimeoutMs);
    const { rows, drift } = settled;
    const missing = due.filter((c) => !rows.has(c.requestId!));
    const seen = new Set(ledger.calls.map((c) => c.requestId).filter((id): id is string => id !== null));
    result.due = due.length;
    result.rows = due.length - missing.length;
    result.missing = missing.length;
    result.missingSample = missing.slice(0, 10).map((c) => ({
      group: c.group,
      kind: c.kind,
      stream: c.stream,
      outcome: c.outcome,
      status: c.status,
      requestId: c.requestId,
    }));
    result.cutWithoutRow = fault.cutMustHaveRow
      ? 0
      : ledger.calls.filter((c) => c.outcome === 'cut' && (!c.requestId || !rows.has(c.requestId))).length;
    result.duplicated = [...rows.values()].reduce((a, r) => a + Math.max(0, r.n - 1), 0);
    const extra = [...rows.values()].filter((r) => !seen.has(r.request_id));
    result.extraRows = extra.length;
    result.extraRowsSample = extra
      .slice(0, 5)
      .map((r) => ({ status: r.status, http_status: r.http_status, error_type: r.error_type }));
    result.rollup = drift;
    result.settle = { ms: settled.settleMs, complete: settled.complete, lastRowMsByGroup: settled.lastRowMsByGroup };
    result.checks = fault.checks(ctx, rows);
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
    log(`${fault.name}: ERROR ${error}`);
  } finally {
    stack.memory.sample();
    for (const role of [stack.serviceRole, 'analyzer', 'nats-server', 'redis-server'])
      result.peakRssMb[role === stack.serviceRole ? 'gateway' : role] = stack.memory.peakMb(role);
    await stack.stop().catch(() => undefined);
    await agent.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  const calls = ledger.calls;
  result.calls = {
    sent: calls.length,
    answered: calls.filter((c) => c.outcome === 'answered').length,
    cut: calls.filter((c) => c.outcome === 'cut').length,
    unanswered: calls.filter((c) => c.outcome === 'unanswered').length,
    retriedRefused: calls.filter((c) => c.refusedAttempts > 0).length,
    answeredNot200: calls.filter((c) => c.outcome === 'answered' && c.status !== 200).length,
    byGroup: calls.reduce<Record<string, number>>((m, c) => ((m[c.group] = (m[c.group] ?? 0) + 1), m), {}),
  };
  result.answeredNot200Sample = calls
    .filter((c) => c.outcome === 'answered' && c.status !== 200)
    .slice(0, 5)
    .map((c) => ({ group: c.group, status: c.status, kind: c.kind, stream: c.stream }));
  result.error = error;
  const reasons: string[] = [];
  if (error) reasons.push(`error: ${error}`);
  if (result.missing > fault.allowedMissing)
    reasons.push(`${result.missing} answered calls without a row (allowed ${fault.allowedMissing})`);
  if (result.duplicated > 0) reasons.push(`${result.duplicated} duplicated rows`);
  if (result.rollup.drift !== 0)
    reasons.push(
      `rollup drift ${result.rollup.drift} (api_calls_hourly ${result.rollup.hourlyCalls} vs api_calls ${result.rollup.rowsFinal})`,
    );
  for (const c of result.checks) if (!c.ok) reasons.push(`check failed: ${c.name} (${c.detail})`);
  result.reasons = reasons;
  result.pass = reasons.length === 0;
  result.durationS = Math.round((performance.now() - t0) / 100) / 10;
  return result;
}

/** Fails early, saying what to do, when the CLI is not built or a server binary is missing. */
function preflight(): void {
  cliEntry();
  const bins = [
    [
      NATS_SERVER_BIN,
      '--version',
      'nats-server (JetStream) is needed: install it (apt-get install nats-server) or set NATS_SERVER_BIN',
    ],
    [
      REDIS_SERVER_BIN,
      '--version',
      'redis-server is needed: .ci/install-proxies.sh installs it, or set REDIS_SERVER_BIN',
    ],
  ] as const;
  for (const [bin, arg, hint] of bins) {
    if (spawnSync(bin, [arg], { stdio: 'ignore' }).status !== 0) throw new Error(`${bin} not found. ${hint}`);
  }
}

async function main(): Promise<void> {
  const s = loadSettings();
  preflight();
  const t0 = performance.now();
  const root = mkdtempSync(path.join(tmpdir(), 'lessllm-chaos-'));
  startWatchdog(path.join(root, 'pids'), root);
  log(
    `chaos: ${s.short ? 'short (CI) variant' : 'full run'}; ${s.calls} mixed calls per fault; faults: ${s.faults.join(', ')}`,
  );
  const upstreams = await startUpstreams();
  const results: FaultResult[] = [];
  for (const [i, name] of s.faults.entries()) {
    const result = await runFault(FAULTS[name], i, s, upstreams, root);
    results.push(result);
    log(
      `${name}: ${result.pass ? 'PASS' : 'FAIL'} in ${result.durationS} s (answered ${result.calls.answered}, rows ${result.rows}/${result.due}, missing ${result.missing}, dup ${result.duplicated}, drift ${result.rollup.drift})`,
    );
  }
  await upstreams.proc.stop().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
  const totalS = Math.round((performance.now() - t0) / 1000);
  const summary = table(results);
  process.stdout.write(`\n${results.map(details).join('\n\n')}\n\n`);
  process.stdout.write(
    `LessLLM chaos suite: ${s.short ? 'CHAOS_SHORT=1' : 'full'}, ${s.calls} mixed calls per fault, ${totalS} s\n${summary}\n`,
  );
  const failed = results.filter((r) => !r.pass);
  mkdirSync(RESULTS_DIR, { recursive: true });
  // The full run's numbers are kept in the repository (README "Chaos"); the short one (CI) is not.
  const file = path.join(RESULTS_DIR, s.short ? 'latest-short.json' : 'latest.json');
  const json = JSON.stringify({
    at: new Date().toISOString(),
    variant: s.short ? 'short' : 'full',
    callsPerFault: s.calls,
    totalS,
    settings: s,
    pass: failed.length === 0,
    results,
  });
  // Formatted as `npm run lint` wants it (the file is kept in the repository with the README's numbers).
  writeFileSync(file, await format(json, { ...(await resolveConfig(file)), filepath: file }));
  process.stdout.write(
    `\n${failed.length === 0 ? 'all faults passed' : `FAILED: ${failed.map((r) => r.fault).join(', ')}`}; results in ${path.relative(process.cwd(), file)}\n`,
  );
  process.exit(failed.length === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  // A setup error (not built, a binary missing, a bad knob) says what to do; anything else shows its stack.
  const setup = err instanceof Error && /CHAOS_|not built|not found/.test(err.message);
  process.stderr.write(
    `chaos: ${err instanceof Error ? (setup ? err.message : (err.stack ?? err.message)) : String(err)}\n`,
  );
  process.exit(2);
});
