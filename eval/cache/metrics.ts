export interface LabelledPair {
  a: string;
  b: string;
  label: 'same' | 'different';
  kind: string;
}

export interface ScoredPair extends LabelledPair {
  score: number;
  guardOk: boolean;
  guard?: string;
}

export interface Metrics {
  threshold: number;
  guards: boolean;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

export function isHit(p: ScoredPair, threshold: number, guards: boolean): boolean {
  return p.score >= threshold && (!guards || p.guardOk);
}

/** Precision (1 when nothing hits: no wrong answer served) and recall of "hit" against label "same". */
export function metricsAt(pairs: ScoredPair[], threshold: number, guards: boolean): Metrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const p of pairs) {
    const hit = isHit(p, threshold, guards);
    if (hit && p.label === 'same') tp++;
    else if (hit) fp++;
    else if (p.label === 'same') fn++;
  }
  return {
    threshold,
    guards,
    tp,
    fp,
    fn,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
  };
}

/** Precision first: the lowest threshold reaching `minPrecision`; else the one with the best precision (then recall). */
export function chooseThreshold(rows: Metrics[], minPrecision = 0.99): { row: Metrics; met: boolean } {
  const ok = rows.filter((r) => r.precision >= minPrecision && r.tp > 0).sort((x, y) => x.threshold - y.threshold);
  if (ok.length > 0) return { row: ok[0], met: true };
  const best = [...rows].sort((x, y) => y.precision - x.precision || y.recall - x.recall)[0];
  return { row: best, met: false };
}
