import { setTimeout as sleep } from 'node:timers/promises';

/** Waits, but resolves false at once when the caller went away. */
export async function abortableSleep(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
