import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { canConnect, freePort } from './ports';

export { freePort };

/** A real proxy server running as a child process for one test file. */
export interface RunningProxy {
  /** Proxy URL with credentials, e.g. http://user:pass@127.0.0.1:PORT or socks5://127.0.0.1:PORT. */
  url: string;
  port: number;
  /** Temp dir holding the generated config and the log. */
  dir: string;
  /** The server's log (file or captured stdout/stderr) so far. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export interface ProxyCredentials {
  user?: string;
  password?: string;
}

const SEARCH_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/usr/local/sbin', '/usr/local/bin'];

/** Finds a proxy binary (danted lives in /usr/sbin, often not on a non-root PATH) or says which package to install. */
async function findBinary(name: string, debianPackage: string): Promise<string> {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SEARCH_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // Not here; keep looking.
    }
  }
  throw new Error(
    `${name} not found: install the Debian package ${debianPackage} ` +
      `(sudo apt-get install -y ${debianPackage}, or run .ci/install-proxies.sh)`,
  );
}

interface Spawned {
  child: ChildProcess;
  output(): string;
  exited(): boolean;
}

/** Process groups still running, killed if the test process exits without stop() (a crashed or killed worker). */
const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

function startProcess(binary: string, args: string[], cwd: string): Spawned {
  // Own process group, so stop() also reaches the workers danted forks.
  const child = spawn(binary, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid !== undefined) {
    running.add(pid);
    child.once('exit', () => running.delete(pid));
  }
  let output = '';
  let exited = false;
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.once('exit', () => (exited = true));
  child.once('error', (err) => {
    output += `\nspawn error: ${err.message}`;
    exited = true;
  });
  return { child, output: () => output, exited: () => exited };
}

async function waitForPort(name: string, port: number, spawned: Spawned, log: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (spawned.exited()) throw new Error(`${name} exited before listening on ${port}:\n${await log()}`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} did not listen on ${port} within 10 s:\n${await log()}`);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function stopProcess(spawned: Spawned, dir: string): Promise<void> {
  const { child } = spawned;
  if (!spawned.exited()) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }
  // danted's workers may outlive the mother for a moment.
  signalGroup(child, 'SIGKILL');
  await fs.rm(dir, { recursive: true, force: true });
}

async function launch(
  name: string,
  binary: string,
  args: (dir: string, port: number) => string[],
  files: (dir: string, port: number) => Record<string, string>,
  url: (port: number) => string,
  logFile?: string,
): Promise<RunningProxy> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `lessllm-${name}-`));
  // danted drops to `nobody` for some work; let it read its dir.
  await fs.chmod(dir, 0o755);
  const port = await freePort();
  for (const [file, content] of Object.entries(files(dir, port))) await fs.writeFile(path.join(dir, file), content);
  const spawned = startProcess(binary, args(dir, port), dir);
  const log = async (): Promise<string> => {
    const fromFile = logFile ? await fs.readFile(path.join(dir, logFile), 'utf8').catch(() => '') : '';
    return `${spawned.output()}${fromFile}`;
  };
  try {
    await waitForPort(name, port, spawned, log);
  } catch (err) {
    await stopProcess(spawned, dir);
    throw err;
  }
  return { url: url(port), port, dir, log, stop: () => stopProcess(spawned, dir) };
}

function userinfo({ user, password }: ProxyCredentials): string {
  if (!user) return '';
  return `${encodeURIComponent(user)}${password !== undefined ? `:${encodeURIComponent(password)}` : ''}@`;
}

/** tinyproxy (HTTP proxy with CONNECT) on 127.0.0.1, with BasicAuth when a user is given; tunnels to any port. */
export async function startTinyproxy(credentials: ProxyCredentials = {}): Promise<RunningProxy> {
  const binary = await findBinary('tinyproxy', 'tinyproxy');
  const { user, password } = credentials;
  // tinyproxy's config grammar takes BasicAuth user and password as [-a-z0-9._]+ only (no quoting).
  for (const value of [user, password]) {
    if (value !== undefined && !/^[-a-z0-9._]+$/i.test(value)) {
      throw new Error(`tinyproxy BasicAuth accepts only letters, digits, '-', '.', '_': ${JSON.stringify(value)}`);
    }
  }
  return launch(
    'tinyproxy',
    binary,
    (dir) => ['-d', '-c', path.join(dir, 'tinyproxy.conf')],
    (_dir, port) => ({
      // No ConnectPort line: tinyproxy then allows CONNECT to every port (test upstreams use random ones).
      'tinyproxy.conf': [
        `Port ${port}`,
        'Listen 127.0.0.1',
        'Timeout 30',
        'MaxClients 64',
        'LogLevel Info',
        'Allow 127.0.0.1',
        'DisableViaHeader Yes',
        ...(user ? [`BasicAuth ${user} ${password ?? ''}`] : []),
        '',
      ].join('\n'),
    }),
    (port) => `http://${userinfo(credentials)}127.0.0.1:${port}`,
  );
}

/** microsocks (SOCKS5 only) on 127.0.0.1, requiring username/password auth when a user is given. */
export async function startMicrosocks(credentials: ProxyCredentials = {}): Promise<RunningProxy> {
  const binary = await findBinary('microsocks', 'microsocks');
  const { user, password } = credentials;
  return launch(
    'microsocks',
    binary,
    (_dir, port) => ['-i', '127.0.0.1', '-p', String(port), ...(user ? ['-u', user, '-P', password ?? ''] : [])],
    () => ({}),
    (port) => `socks5://${userinfo(credentials)}127.0.0.1:${port}`,
  );
}

/**
 * danted (Dante: SOCKS4 and SOCKS5, no auth) on 127.0.0.1. Its URL is socks5://; swap the scheme for socks4/socks5h.
 * Dante 1.4 does not implement SOCKS4a: it treats the 0.0.0.x marker as the address and fails the connect.
 */
export async function startDante(): Promise<RunningProxy> {
  const binary = await findBinary('danted', 'dante-server');
  return launch(
    'danted',
    binary,
    (dir) => ['-f', path.join(dir, 'danted.conf'), '-p', path.join(dir, 'danted.pid'), '-N', '1'],
    (dir, port) => ({
      'danted.conf': [
        `logoutput: ${path.join(dir, 'danted.log')}`,
        `internal: 127.0.0.1 port = ${port}`,
        'external: 127.0.0.1',
        'clientmethod: none',
        'socksmethod: none',
        'user.privileged: root',
        'user.unprivileged: nobody',
        'client pass {',
        '  from: 127.0.0.0/8 to: 0.0.0.0/0',
        '  log: error',
        '}',
        'socks pass {',
        '  from: 127.0.0.0/8 to: 0.0.0.0/0',
        '  command: connect',
        '  log: error connect',
        '}',
        '',
      ].join('\n'),
    }),
    (port) => `socks5://127.0.0.1:${port}`,
    'danted.log',
  );
}
