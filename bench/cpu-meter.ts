import { readFileSync } from 'node:fs';

/** CPU ticks (USER_HZ) of the whole machine and of the given processes. */
interface Snapshot {
  at: number;
  machineBusy: number;
  ours: number;
}

function machineBusyTicks(): number {
  // cpu  user nice system idle iowait irq softirq steal ...; interrupt time is left out (loopback traffic lands there).
  const [user, nice, system, , , , , steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return user + nice + system + steal;
}

/** CPU ticks (1/100 s) a process has used so far (user + system). */
export function processTicks(pid: number): number {
  try {
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * How much CPU processes other than the benchmark's own used while a phase ran (other builds, tests, editors on a
 * shared machine); results taken while others used a good share of the 2 cores are noisy.
 */
export class CpuMeter {
  constructor(private readonly pids: readonly number[]) {}

  snapshot(): Snapshot {
    return {
      at: performance.now(),
      machineBusy: machineBusyTicks(),
      ours: this.pids.reduce((n, pid) => n + processTicks(pid), 0),
    };
  }

  /** Average cores used by other processes since `start` (ticks are 1/100 s on Linux). */
  foreignCores(start: Snapshot): number {
    const end = this.snapshot();
    const seconds = (end.at - start.at) / 1000;
    const foreign = end.machineBusy - start.machineBusy - (end.ours - start.ours);
    return seconds > 0 ? Math.max(0, Math.round((foreign / 100 / seconds) * 100) / 100) : 0;
  }
}
