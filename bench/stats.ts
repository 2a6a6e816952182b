export interface LatencyStats {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of latencies in ms, rounded to the microsecond. */
export function summarise(latencies: readonly number[]): LatencyStats {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number): number =>
    sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]) : NaN;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: at(1),
    mean: sorted.length ? round(sum / sorted.length) : NaN,
  };
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Concatenates without spreading (spreading 100k+ numbers overflows the call stack). */
export function concat(parts: readonly number[][]): number[] {
  const out: number[] = [];
  for (const part of parts) for (const value of part) out.push(value);
  return out;
}
