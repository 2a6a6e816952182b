import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canConnect, freePort } from '../test/support/ports';

/**
 * Child-process entry: a private nats-server with JetStream on a free loopback port and a temporary store dir (never
 * the system instance on 4222). Prints `READY {"url":"nats://127.0.0.1:PORT","pid":SERVER_PID}` once it accepts
 * clients; kills the server and removes the store when stdin closes (the benchmark went away) or on SIGTERM.
 * Usage: node nats-server-process.js
 */
const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const READY_TIMEOUT_MS = 15_000;

async function main(): Promise<void> {
  const port = await freePort();
  const storeDir = mkdtempSync(path.join(tmpdir(), 'lessllm-bench-nats-'));
  const server = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => void (output = (output + chunk.toString('utf8')).slice(-8_000));
  server.stdout.on('data', collect);
  server.stderr.on('data', collect);
  // However this process ends, the server goes with it.
  process.once('exit', () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    rmSync(storeDir, { recursive: true, force: true });
  });
  let stopping = false;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  void exited.then(() => {
    if (stopping) return;
    process.stderr.write(`nats-server exited unexpectedly:\n${output}\n`);
    process.exit(1);
  });
  server.once('error', (err) => {
    process.stderr.write(`nats-server: ${err.message}\n`);
    process.exit(1);
  });
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.kill('SIGTERM');
    const hard = setTimeout(() => server.kill('SIGKILL'), 3_000);
    void exited.then(() => {
      clearTimeout(hard);
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.stdin.once('end', stop).resume();

  // "Server is ready" comes after JetStream started; then the port must accept connections.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(output.includes('Server is ready') && (await canConnect(port)))) {
    if (Date.now() > deadline) throw new Error(`not ready on ${port} within ${READY_TIMEOUT_MS} ms:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  process.stdout.write(`READY ${JSON.stringify({ url: `nats://127.0.0.1:${port}`, pid: server.pid })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`nats-server process: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
