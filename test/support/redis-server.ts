import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { canConnect, freePort } from './ports';

export interface PrivateRedis {
  url: string;
  pid: number;
  /** SIGSTOP: the socket stays open, nothing answers (a blackholed Redis). */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

/** Why a private redis-server cannot be started here, or null when it can. */
export function redisServerMissing(): string | null {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? null : 'redis-server is not installed (.ci/install-proxies.sh installs it)';
}

/** A throwaway redis-server on a free loopback port, no persistence. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 5_000;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    stop: async () => {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
