import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { checkGuards, cosine, type Embedder } from '../../apps/gateway/src/semantic-cache';
import { evalEmbedders } from './embedders';
import { chooseThreshold, isHit, metricsAt, type LabelledPair, type Metrics, type ScoredPair } from './metrics';
import { renderResults, type EmbedderReport } from './report';

const THRESHOLDS = [0.8, 0.82, 0.84, 0.85, 0.86, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98];

function loadPairs(file: string): LabelledPair[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LabelledPair);
}

async function scorePairs(embedder: Embedder, pairs: LabelledPair[]): Promise<ScoredPair[]> {
  const texts = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const vectors = new Map<string, Float32Array>();
  for (let i = 0; i < texts.length; i += 64) {
    const batch = texts.slice(i, i + 64);
    (await embedder.embed(batch)).forEach((v, j) => vectors.set(batch[j], v));
  }
  return pairs.map((p) => {
    const g = checkGuards(p.a, p.b);
    return {
      ...p,
      score: cosine(vectors.get(p.a)!, vectors.get(p.b)!),
      guardOk: g.ok,
      guard: g.ok ? undefined : g.guard,
    };
  });
}

async function evaluate(embedder: Embedder, pairs: LabelledPair[]): Promise<EmbedderReport> {
  const scored = await scorePairs(embedder, pairs);
  const rows: Metrics[] = [];
  for (const t of THRESHOLDS) rows.push(metricsAt(scored, t, false), metricsAt(scored, t, true));
  const choice = chooseThreshold(rows.filter((r) => r.guards));
  const falseHits = scored.filter((p) => p.label === 'different' && isHit(p, choice.row.threshold, true));
  return { embedder: embedder.id, rows, choice, scored, falseHits };
}

async function main(): Promise<void> {
  const dir = __dirname;
  const pairs = loadPairs(path.join(dir, 'pairs.jsonl'));
  const { embedders, skipped } = evalEmbedders();
  for (const s of skipped) console.log(s);
  const reports: EmbedderReport[] = [];
  for (const e of embedders) {
    try {
      reports.push(await evaluate(e, pairs));
    } catch (err) {
      skipped.push(`${e.id}: failed - ${(err as Error).message}`);
      console.log(`${e.id}: failed - ${(err as Error).message}`);
    }
  }
  const out = path.join(dir, 'results.md');
  // formatted like the rest of the repo, so `prettier --check` stays green after a re-run
  const md = await format(renderResults(pairs, reports, skipped), { ...(await resolveConfig(out)), filepath: out });
  writeFileSync(out, md);
  console.log(md);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
