import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { doctorScope } from './doctor-range';
import { openDoctorSource, type DoctorSourceOptions } from './doctor-source';
import { runRollupDoctor } from './rollup-doctor';

interface DoctorCommandOptions extends DoctorSourceOptions {
  days: number;
  since?: string;
  until?: string;
  repair?: boolean;
  json?: boolean;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'check that the hourly rollup (api_calls_hourly, what Grafana reads) equals a GROUP BY over api_calls; ' +
        'prints drift per hour, exits 2 on drift; --repair recomputes the drifted hours',
    )
    .option('--days <n>', 'check the last N days (ignored with --since)', positiveInt, 7)
    .option('--since <date>', 'from this UTC date/time (inclusive, rounded down to the hour)')
    .option('--until <date>', 'until this UTC date/time (exclusive; default: now)')
    .option('--repair', 'recompute the drifted hours from api_calls, then check them again')
    .option('--json', 'print JSON')
    .option('-c, --config <file>', 'lessllm.yaml: storage.* names the store (chDB data_dir or a ClickHouse server)')
    .option('--url <url>', 'check through a running service instead (read-only: no --repair; default: $LESSLLM_URL)')
    .option('--admin-key <key>', 'auth.admin_key for --url (default: $LESSLLM_ADMIN_KEY)')
    .action(async (opts: DoctorCommandOptions) => {
      const scope = doctorScope(opts);
      const source = await openDoctorSource(opts);
      try {
        process.exitCode = await runRollupDoctor(source, scope, opts, (text) => process.stdout.write(text));
      } finally {
        await source.close();
      }
    });
}
