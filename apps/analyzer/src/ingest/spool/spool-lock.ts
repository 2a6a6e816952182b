import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const LOCK_FILE = 'spool.lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One writer per spool: two processes appending to and deleting the same segments would lose events. A pid file
 * (Node has no flock); a lock left by a killed process (dead pid, or our own pid after a container restart) is taken
 * over. Returns the release function.
 */
export async function acquireSpoolLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => unlink(path).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `the call spool ${dir} is in use by process ${holder} (${path}): run one lessllm server per spool ` +
            `directory, or delete the lock file if that process is not lessllm`,
        );
      }
      await unlink(path).catch(() => undefined);
    }
  }
}
