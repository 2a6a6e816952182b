/**
 * Router classifier evaluation on MT-Bench (80 questions x 2 turns):
 *   vite-node eval/router/run-eval.ts -- [path/to/mt_bench_questions.jsonl]
 * Default path: ../shared/data/mt_bench_questions.jsonl relative to the repo root. Writes eval/router/results.md.
 */
import {
  extractFeatures,
  FeaturesClassifier,
  LlmClassifier,
  readLabelledJsonl,
  TrainedClassifier,
  trainWeights,
  type LabelledExample,
  type RouterWeights,
  type Tier,
} from '@lessllm/routing';
import { seededRandom } from '@lessllm/shared';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { metrics, prices, usageOf, type Metrics, type Prices, type Usage } from './metrics';
import { loadMtBench, toItems, type EvalItem } from './mt-bench';
import { renderResults, type Run } from './report';

const ROOT = path.resolve(__dirname, '../..');
const DEFAULT_DATA = path.resolve(ROOT, '../shared/data/mt_bench_questions.jsonl');
const TRAIN_FILE = path.join(__dirname, 'train.jsonl');
const FOLDS = 10;
const SEED = 20240601;

/**
 * Fold of each question id: within each category the questions are shuffled (fixed seed) and dealt round-robin,
 * so every fold holds one question of every category (10 per category in MT-Bench) and both turns of a question
 * always share a fold.
 */
function assignFolds(items: readonly EvalItem[], k: number): Map<number, number> {
  const r = seededRandom(SEED);
  const byCategory = new Map<string, number[]>();
  for (const it of items) {
    const ids = byCategory.get(it.category) ?? [];
    if (!ids.includes(it.qid)) ids.push(it.qid);
    byCategory.set(it.category, ids);
  }
  const fold = new Map<number, number>();
  for (const ids of byCategory.values()) {
    const shuffled = [...ids].sort((a, b) => a - b);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    shuffled.forEach((id, i) => fold.set(id, i % k));
  }
  return fold;
}

const asExamples = (items: readonly EvalItem[]): LabelledExample[] =>
  items.map((it) => ({ input: it.input, label: it.label }));

function scoreWith(c: { decide: FeaturesClassifier['decide'] }, items: readonly EvalItem[]) {
  const ds = items.map((it) => c.decide(it.input));
  return { probs: ds.map((d) => d.probability), tiers: ds.map((d) => d.tier) };
}

function crossValidate(items: readonly EvalItem[], extra: readonly LabelledExample[]) {
  const fold = assignFolds(items, FOLDS);
  const probs = new Array<number>(items.length);
  const tiers = new Array<Tier>(items.length);
  for (let k = 0; k < FOLDS; k++) {
    const train = items.filter((it) => fold.get(it.qid) !== k);
    const c = new TrainedClassifier(trainWeights([...extra, ...asExamples(train)]));
    items.forEach((it, i) => {
      if (fold.get(it.qid) !== k) return;
      const d = c.decide(it.input);
      probs[i] = d.probability;
      tiers[i] = d.tier;
    });
  }
  return { probs, tiers };
}

/** Optional real llm classifier: only with an explicitly configured OpenAI-compatible endpoint. */
async function llmRun(items: readonly EvalItem[]): Promise<{ probs: number[]; tiers: Tier[]; note: string } | string> {
  const base = process.env.LESSLLM_EVAL_LLM_URL;
  if (!base) {
    return (
      'llm: skipped - it needs a real model call and this evaluation assumes no network; a simulated rater would ' +
      'only measure the simulation. Set LESSLLM_EVAL_LLM_URL (OpenAI-compatible base URL, e.g. ' +
      'https://api.openai.com/v1) and LESSLLM_EVAL_LLM_KEY or OPENAI_API_KEY (model: LESSLLM_EVAL_LLM_MODEL, ' +
      'default gpt-4o-mini) to run it.'
    );
  }
  const model = process.env.LESSLLM_EVAL_LLM_MODEL ?? 'gpt-4o-mini';
  const key = process.env.LESSLLM_EVAL_LLM_KEY ?? process.env.OPENAI_API_KEY ?? '';
  const complete = async (prompt: string): Promise<string> => {
    const res = await fetch(`${base.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: prompt }], max_tokens: 5, temperature: 0 }),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = (await res.json()) as { choices?: { message?: { content?: string } }[] };
    return body.choices?.[0]?.message?.content ?? '';
  };
  const c = new LlmClassifier({ complete });
  const verdicts = [];
  for (const it of items) verdicts.push(await c.classify(it.input));
  const probs = verdicts.map((v) => v.strongProbability);
  const s = c.stats;
  return {
    probs,
    tiers: probs.map((p) => (p >= 0.5 ? 'strong' : 'weak')),
    note: `${model} at ${base}: ${s.calls} calls, ${s.cacheHits} cache hits, ${s.unparseable} unparseable, ${s.failures} failed (fallbacks use features)`,
  };
}

function timing(items: readonly EvalItem[]) {
  const inputs = items.map((it) => it.input);
  const c = new FeaturesClassifier();
  const time = (fn: () => void, reps: number, per: number): number => {
    fn();
    const t = performance.now();
    for (let r = 0; r < reps; r++) fn();
    return ((performance.now() - t) * 1000) / (reps * per);
  };
  const long = {
    ...inputs[0],
    messages: [{ role: 'user' as const, text: 'Explain this log line by line. '.repeat(400) }],
  };
  return {
    extract: time(() => inputs.forEach((i) => extractFeatures(i)), 200, inputs.length),
    classify: time(() => inputs.forEach((i) => c.decide(i)), 200, inputs.length),
    long: time(() => c.decide(long), 500, 1),
    longChars: long.messages[0].text.length,
  };
}

function allScopes(
  items: readonly EvalItem[],
  usage: readonly Usage[],
  price: Prices,
  tiers: Tier[],
  probs?: number[],
) {
  const pick = (pred: (it: EvalItem) => boolean) => {
    const idx = items.map((it, i) => (pred(it) ? i : -1)).filter((i) => i >= 0);
    return metrics(
      idx.map((i) => items[i]),
      idx.map((i) => tiers[i]),
      idx.map((i) => usage[i]),
      price,
      probs ? idx.map((i) => probs[i]) : undefined,
    );
  };
  const perCategory: Record<string, Metrics> = {};
  for (const cat of new Set(items.map((it) => it.category))) perCategory[cat] = pick((it) => it.category === cat);
  return {
    both: pick(() => true),
    turn1: pick((it) => it.turn === 1),
    turn2: pick((it) => it.turn === 2),
    perCategory,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const dataFile = path.resolve(args[0] ?? DEFAULT_DATA);
  if (!existsSync(dataFile)) {
    throw new Error(`MT-Bench questions not found at ${dataFile}; pass the path of mt_bench_questions.jsonl`);
  }
  const items = toItems(loadMtBench(dataFile));
  const usage = usageOf(items);
  const price = prices();
  const runs: Run[] = [];
  const skipped: string[] = [];
  const add = (name: string, split: string, tiers: Tier[], probs?: number[]): void => {
    runs.push({ name, split, probs, tiers, ...allScopes(items, usage, price, tiers, probs) });
  };

  add(
    'always strong (gpt-4o)',
    'baseline',
    items.map(() => 'strong'),
  );
  add(
    'always weak (gpt-4o-mini)',
    'baseline',
    items.map(() => 'weak'),
  );
  add(
    'oracle (category labels)',
    'upper bound',
    items.map((it) => it.label),
  );

  const features = scoreWith(new FeaturesClassifier(), items);
  add(
    'features (hand weights)',
    'no training; weights set by hand before the first MT-Bench run',
    features.tiers,
    features.probs,
  );

  const own = readLabelledJsonl(TRAIN_FILE);
  const ownWeights: RouterWeights = trainWeights(own, { source: 'eval/router/train.jsonl' });
  const trained = scoreWith(new TrainedClassifier(ownWeights), items);
  add(
    'trained on train.jsonl',
    `trained on eval/router/train.jsonl (${own.length} prompts written independently), tested on all of MT-Bench`,
    trained.tiers,
    trained.probs,
  );

  const cv = crossValidate(items, []);
  add(
    'trained, MT-Bench 10-fold CV',
    '10 folds grouped by question id (both turns in one fold), 1 question/category/fold',
    cv.tiers,
    cv.probs,
  );
  const cvOwn = crossValidate(items, own);
  add(
    'trained, train.jsonl + MT-Bench CV',
    'train.jsonl plus the 9 training folds; same folds',
    cvOwn.tiers,
    cvOwn.probs,
  );

  const llm = await llmRun(items);
  if (typeof llm === 'string') {
    skipped.push(llm);
    console.log(llm);
  } else {
    add('llm', llm.note, llm.tiers, llm.probs);
  }

  const sweep = [0.3, 0.4, 0.5, 0.6, 0.7].map((t) => ({
    threshold: t,
    m: metrics(
      items,
      features.probs.map((p) => (p >= t ? 'strong' : 'weak')),
      usage,
      price,
    ),
  }));

  const md = renderResults({
    dataFile: path.relative(ROOT, dataFile),
    items,
    usage,
    price,
    runs,
    skipped,
    sweep,
    timing: timing(items),
    ownWeights,
  });
  const out = path.join(__dirname, 'results.md');
  const formatted = await format(md, { ...(await resolveConfig(out)), filepath: out });
  writeFileSync(out, formatted);
  console.log(formatted);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
