import type { CallEvent } from '@lessllm/shared';
import pino from 'pino';
import { CallSpool } from '../call-spool';

/**
 * A process that appends to a spool as fast as it can until it is killed (spool.kill.spec.ts kills it with SIGKILL).
 * After each turn it prints how many events it has appended (each is written to the file before append returns).
 * Usage: vite-node spool-writer-child.ts <dir> <id prefix>
 */
const [dir, prefix] = process.argv.slice(2);

async function main(): Promise<void> {
  const spool = await CallSpool.open({
    dir,
    fsyncIntervalMs: 25,
    fsyncBytes: 1024 * 1024,
    segmentBytes: 256 * 1024, // rotations happen during the run too
    maxBytes: 1024 * 1024 * 1024,
    logger: pino({ level: 'silent' }),
  });
  let seq = 0;
  process.stdout.write('ready\n');
  const turn = (): void => {
    for (let i = 0; i < 20; i++, seq++) {
      const event = { version: 2, request_id: `${prefix}-${seq}`, request: { pad: 'p'.repeat(400 + (seq % 700)) } };
      spool.append(event as unknown as CallEvent);
    }
    process.stdout.write(`${seq}\n`); // synchronous on a pipe: printed means appended
    setImmediate(turn);
  };
  turn();
}

void main();
