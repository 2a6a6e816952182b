import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { canConnect, freePort } from './ports';

export { freePort };

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const READY_TIMEOUT_MS = 15_000;

/** A test-owned nats-server with JetStream, on its own port and store dir (never the system instance on 4222). */
export interface RunningNatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** Is the process up right now? */
  running(): boolean;
  /** SIGKILL (no graceful shutdown), keeping the store dir. */
  kill(): Promise<void>;
  /** Starts again on the same port and store dir, after kill(). */
  start(): Promise<void>;
  /** kill() then start(): JetStream data persists across it. */
  restart(): Promise<void>;
  /** Kills the server and removes the store dir when this helper created it. */
  stop(): Promise<void>;
  /** The server's output so far (all runs). */
  log(): string;
}

export interface StartNatsServerOptions {
  port?: number;
  storeDir?: string;
  /** Server max_payload in bytes (nats-server's default is 1 MiB). */
  maxPayload?: number;
}

/** Servers still running, killed if the test process exits without stop() (a crashed worker). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<RunningNatsServer> {
  const port = options.port ?? (await freePort());
  const ownsStore = options.storeDir === undefined;
  const storeDir = options.storeDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'lessllm-nats-')));
  let output = '';
  let child: ChildProcess | null = null;

  const spawnServer = async (): Promise<void> => {
    const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
    if (options.maxPayload !== undefined) {
      const conf = path.join(storeDir, 'server.conf');
      await fs.writeFile(conf, `max_payload: ${options.maxPayload}\n`);
      args.push('-c', conf);
    }
    const proc = spawn(NATS_SERVER, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    running.add(proc);
    let exited = false;
    let runOutput = '';
    const collect = (chunk: Buffer): void => {
      runOutput += chunk.toString();
      output += chunk.toString();
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    proc.once('exit', () => {
      exited = true;
      running.delete(proc);
    });
    proc.once('error', (err) => {
      output += `\nspawn error: ${err.message}`;
      exited = true;
    });
    // "Server is ready" comes after JetStream recovered its store, so a reconnecting client finds its streams.
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`nats-server exited before listening on ${port}:\n${output}`);
      if (runOutput.includes('Server is ready') && (await canConnect(port))) return;
      await sleep(25);
    }
    proc.kill('SIGKILL');
    throw new Error(`nats-server did not get ready on ${port} within ${READY_TIMEOUT_MS} ms:\n${output}`);
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
  };

  const start = async (): Promise<void> => {
    if (child) throw new Error('nats-server is already running');
    await spawnServer();
  };

  await spawnServer();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    running: () => child !== null,
    kill,
    start,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      if (ownsStore) await fs.rm(storeDir, { recursive: true, force: true });
    },
    log: () => output,
  };
}
