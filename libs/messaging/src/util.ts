export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Exponential backoff with "equal jitter": half fixed, half random, so replicas retrying together spread out. */
export function jitteredBackoff(attempt: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return exp / 2 + Math.random() * (exp / 2);
}

/** Deterministic exponential delay: baseMs, 2×, 4×, ... capped at maxMs. */
export function exponentialDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

export function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}
