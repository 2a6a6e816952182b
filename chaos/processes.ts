import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Child processes of the chaos suite: node services (the real `lessllm` CLI), nats-server, redis-server. Unlike the
 * benchmark's children they are meant to be killed: each one tells how it ended (code or signal), so a fault can
 * prove that the process it hit really died (or really stopped). Every live child is SIGKILLed when the suite exits
 * however it exits; a watchdog shell (started once) does the same if the suite itself is SIGKILLed.
 */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when it was reaped. */
  at: number;
}

export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<Exit>;
  /** Set once it was reaped. */
  exit(): Exit | null;
  alive(): boolean;
  /** Last lines it printed. */
  output(): string;
  /** Resolves with the first match of `re` in everything it printed from now on (or already printed). */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, SIGKILL after graceMs; resolves once reaped. */
  stop(graceMs?: number): Promise<Exit>;
}

const live = new Map<number, ChildProcess>();
let pidFile: string | null = null;

function writePids(): void {
  try {
    if (pidFile) writeFileSync(pidFile, [...live.keys()].join(' '));
  } catch {
    // the run's folder is gone (the end of the run)
  }
}

function killAllNow(): void {
  for (const child of live.values()) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  writePids();
}

process.once('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nchaos: ${signal}, killing child processes\n`);
    killAllNow();
    process.exit(130);
  });
}

/**
 * A detached shell that SIGKILLs whatever pids are listed in `file` once this process is gone (a SIGKILL of the
 * suite runs no exit handler), then removes `removeDir`. It polls once a second and ends with us.
 */
export function startWatchdog(file: string, removeDir: string): void {
  pidFile = file;
  writePids();
  const script =
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
    `kill -9 $(cat '${file}' 2>/dev/null) 2>/dev/null; rm -rf '${removeDir}'`;
  const dog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  dog.unref();
}

export interface ProcOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Lines kept for error reports. Default 60. */
  tail?: number;
}

/** The environment of a LessLLM child: only its config file counts (no LESSLLM_* from the caller's shell). */
export function serviceEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
  for (const key of Object.keys(env)) if (key.startsWith('LESSLLM_')) delete env[key];
  return env;
}

export function spawnProc(options: ProcOptions): Proc {
  const child = spawn(options.command, options.args, {
    // stdin stays open (never written): the suite's own child entries exit when it closes, so they go with us.
    stdio: ['pipe', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
  const pid = child.pid;
  live.set(pid, child);
  writePids();
  const keep = options.tail ?? 60;
  const tail: string[] = [];
  let text = '';
  const watchers = new Set<() => void>();
  const remember = (chunk: Buffer): void => {
    const s = chunk.toString('utf8');
    text = (text + s).slice(-200_000);
    for (const line of s.split('\n')) if (line.trim()) tail.push(line);
    if (tail.length > keep) tail.splice(0, tail.length - keep);
    for (const w of watchers) w();
  };
  child.stdout.on('data', remember);
  child.stderr.on('data', remember);
  let exit: Exit | null = null;
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal, at: performance.now() };
      live.delete(pid);
      writePids();
      for (const w of watchers) w();
      resolve(exit);
    }),
  );
  child.once('error', (err) => remember(Buffer.from(`spawn error: ${err.message}\n`)));

  const proc: Proc = {
    name: options.name,
    pid,
    exited,
    exit: () => exit,
    alive: () => exit === null,
    output: () => tail.join('\n'),
    waitFor(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = re.exec(text);
          if (match) {
            done();
            resolve(match);
          } else if (exit) {
            done();
            reject(new Error(`${options.name} exited (code ${exit.code}, signal ${exit.signal}):\n${proc.output()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${options.name}: ${re} not seen within ${timeoutMs} ms:\n${proc.output()}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    signal(signal) {
      if (exit) return;
      process.kill(pid, signal);
    },
    async stop(graceMs = 5_000) {
      if (exit) return exit;
      // A stopped process (SIGSTOP) cannot act on SIGTERM.
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGTERM');
      const hard = setTimeout(() => {
        if (!exit) process.kill(pid, 'SIGKILL');
      }, graceMs);
      const result = await exited;
      clearTimeout(hard);
      return result;
    },
  };
  return proc;
}

/** The compiled CLI (`lessllm`): dist/apps/cli/src/main.js at the repository root (`npm run build`), or CHAOS_CLI. */
export function cliEntry(): string {
  const override = process.env.CHAOS_CLI;
  if (override) {
    if (!existsSync(override)) throw new Error(`CHAOS_CLI=${override}: no such file`);
    return path.resolve(override);
  }
  const candidates = [path.join('src', 'main.js'), 'main.js'].map((f) =>
    path.resolve(__dirname, '..', 'dist', 'apps', 'cli', f),
  );
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`lessllm CLI not built: none of ${candidates.join(', ')} (run npm run build first)`);
  return found;
}

/** `node <cli> ...args`, the real `lessllm` command. */
export function spawnCli(name: string, args: string[]): Proc {
  return spawnProc({ name, command: process.execPath, args: [cliEntry(), ...args], env: serviceEnv() });
}

/** A field of /proc/PID/status in kB (VmHWM = peak RSS, VmRSS), or NaN when the process is gone. */
export function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The state letter of /proc/PID/stat (R, S, D, T = stopped, Z...), or null when the process is gone. */
export function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

/** True while a process with this pid exists (signal 0). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
