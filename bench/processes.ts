import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A child process started by the benchmark; killed when the benchmark exits, however it exits. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  /** The capture groups of the ready line. */
  readonly ready: RegExpExecArray;
  /** Last lines the child printed (for error reports). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

function killAllNow(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

process.once('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping child processes\n`);
    killAllNow();
    process.exit(130);
  });
}

export interface SpawnOptions {
  name: string;
  /** Script (and its arguments) run with this Node binary. */
  args: string[];
  nodeFlags?: string[];
  /** A line on stdout that tells the child is serving. */
  readyLine: RegExp;
  timeoutMs?: number;
}

/** Starts `node [...nodeFlags] ...args` and resolves once it prints `readyLine`. */
export function spawnNode(options: SpawnOptions): Promise<Child> {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...options.args], {
    // stdin stays open: our own children exit when it closes, so they die with us even after a SIGKILL.
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  live.add(child);
  const tail: string[] = [];
  const remember = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) tail.push(line);
    if (tail.length > 40) tail.splice(0, tail.length - 40);
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));
  child.stderr.on('data', remember);

  return new Promise<Child>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(new Error('not ready in time')), options.timeoutMs ?? 20_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${options.name}: ${err.message}\n${tail.join('\n')}`));
    };
    child.once('error', fail);
    const early = (code: number | null, signal: string | null): void =>
      fail(new Error(`exited early (code ${code}, signal ${signal})`));
    child.once('exit', early);
    child.stdout.on('data', function onData(chunk: Buffer) {
      remember(chunk);
      buffered += chunk.toString('utf8');
      const match = options.readyLine.exec(buffered);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', early);
      child.stdout.off('data', onData);
      child.stdout.on('data', remember);
      resolve({
        name: options.name,
        pid: child.pid!,
        ready: match,
        output: () => tail.join('\n'),
        stop: async (graceMs = 5_000) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const hard = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(hard);
        },
      });
    });
  });
}

/** Resident set size of a process in MB (VmRSS from /proc), or NaN when it cannot be read. */
export function rssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
