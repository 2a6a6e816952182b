import { setTimeout as delay } from 'node:timers/promises';

/** Behaviour-selecting model names (matched after stripping any `provider/` or `models/` prefix). */
export const BEHAVIOURS = [
  'fast',
  'rate-limited',
  'overloaded',
  'quota',
  'bad-request',
  'slow-first-byte',
  'hang',
  'stream-odd-splits',
  'stream-keepalive',
  'stream-error-midway',
  'stream-slow',
  'stream-first-error',
  'stream-disconnect',
] as const;

export type Behaviour = (typeof BEHAVIOURS)[number] | 'default';

const BEHAVIOUR_SET: ReadonlySet<string> = new Set(BEHAVIOURS);

/** `openai/stream-slow` and `models/stream-slow` select `stream-slow`; anything unknown is `default`. */
export function behaviourOf(model: string): Behaviour {
  const name = model.slice(model.lastIndexOf('/') + 1);
  return BEHAVIOUR_SET.has(name) ? (name as Behaviour) : 'default';
}

/** Counts calls per `x-test-id` (or globally) so the first N fail. */
export class FailureCounter {
  private readonly seen = new Map<string, number>();

  constructor(private readonly failures: number) {}

  /** Returns true while this key still has failures left (and consumes one). */
  shouldFail(testId: string | undefined): boolean {
    const key = testId ?? '';
    const count = this.seen.get(key) ?? 0;
    this.seen.set(key, count + 1);
    return count < this.failures;
  }

  reset(): void {
    this.seen.clear();
  }
}

/** Sleeps `ms` unless `signal` aborts first; resolves to false when aborted. */
export async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
