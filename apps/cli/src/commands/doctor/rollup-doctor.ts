import type { RollupDrift, RollupScope } from '@lessllm/shared';
import { setTimeout as sleep } from 'node:timers/promises';
import { callsOff, driftTable } from './doctor-report';
import type { DoctorSource } from './doctor-source';

/** Exit codes: 0 no drift (or all of it repaired), 2 drift left, 1 (thrown) the check could not run. */
export const EXIT_DRIFT = 2;

export interface DoctorOptions {
  repair?: boolean;
  json?: boolean;
  /** Before reporting, drifted hours are checked again after this pause: an insert in flight elsewhere (its rows
   * committed, its rollup part not yet) is not drift. Default 1,000 ms. */
  confirmMs?: number;
}

const hoursOf = (drift: readonly RollupDrift[]): RollupScope => ({ hours: drift.map((d) => new Date(d.hour)) });

function describe(scope: { from: Date; to: Date }): string {
  return `${scope.from.toISOString()} .. ${scope.to.toISOString()}`;
}

/** Checks (and with `repair`, repairs) the rollup over `scope`; writes the report; returns the exit code. */
export async function runRollupDoctor(
  source: DoctorSource,
  scope: { from: Date; to: Date },
  options: DoctorOptions,
  write: (text: string) => void,
): Promise<number> {
  if (options.repair && !source.repair)
    throw new Error('--repair needs the store itself: drop --url (and LESSLLM_URL)');
  let drift = await source.check(scope);
  if (drift.length > 0) {
    await sleep(options.confirmMs ?? 1_000);
    drift = await source.check(hoursOf(drift));
  }
  const repaired = options.repair && drift.length > 0 ? await source.repair!(hoursOf(drift)) : null;
  const left = repaired ? repaired.remaining : drift;
  if (options.json) {
    write(
      `${JSON.stringify({ source: source.label, from: scope.from, to: scope.to, drift, remaining: left }, null, 2)}\n`,
    );
    return left.length > 0 ? EXIT_DRIFT : 0;
  }
  write(`api_calls_hourly vs GROUP BY over api_calls FINAL, ${describe(scope)}, ${source.label}\n`);
  if (drift.length === 0) {
    write('no drift: the rollup matches api_calls\n');
    return 0;
  }
  const off = callsOff(drift);
  write(
    `drift in ${drift.length} hour${drift.length === 1 ? '' : 's'} ` +
      `(the rollup ${off >= 0 ? `misses ${off}` : `counts ${-off} extra`} calls):\n${driftTable(drift)}\n`,
  );
  if (!repaired) {
    write('run with --repair to recompute these hours from api_calls\n');
    return EXIT_DRIFT;
  }
  if (left.length === 0) {
    write(`repaired: ${drift.length} hour${drift.length === 1 ? '' : 's'} recomputed, the rollup matches api_calls\n`);
    return 0;
  }
  write(`still drifting after the repair (other writers busy in these hours? run again):\n${driftTable(left)}\n`);
  return EXIT_DRIFT;
}
