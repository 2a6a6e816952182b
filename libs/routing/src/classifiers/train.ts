import { chatRoutingInput, messagesRoutingInput } from '@lessllm/formats';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Tier } from './classifier';
import { sigmoid } from './logistic-model';
import {
  extractFeatures,
  FEATURE_COUNT,
  FEATURE_NAMES,
  FEATURE_SET_VERSION,
  type RoutingInput,
} from './request-features';
import { parseWeights, WEIGHTS_FORMAT, WEIGHTS_FORMAT_VERSION, type RouterWeights } from './trained-classifier';

export interface LabelledExample {
  input: RoutingInput;
  label: Tier;
}

export interface TrainOptions {
  /** Full-batch gradient-descent steps (default 2000). */
  epochs?: number;
  /** Step size on standardised features (default 0.3). */
  learningRate?: number;
  /** L2 penalty on the weights, not the bias (default 0.01). */
  l2?: number;
  /** Weight classes inversely to their frequency (default false). */
  balanceClasses?: boolean;
  /** Threshold stored in the file (default none: classifiers use 0.5). */
  threshold?: number;
  /** Provenance note stored in the file. */
  source?: string;
}

/**
 * One labelled jsonl line: `{"prompt": "...", "label": "strong"}` or `{"messages": [...], "label": "weak"}`, where
 * messages are OpenAI-style (`content` a string or parts) or Anthropic-style (content blocks, with an optional
 * top-level `system`); `tools`, `response_format` / `output_format` and `max_tokens` are read like in a request.
 */
export function parseLabelledLine(line: string, where = 'line'): LabelledExample {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (err) {
    throw new Error(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error(`${where}: not a JSON object`);
  const o = doc as Record<string, unknown>;
  if (o.label !== 'strong' && o.label !== 'weak') {
    throw new Error(`${where}: label must be "strong" or "weak", got ${JSON.stringify(o.label)}`);
  }
  let body: Record<string, unknown> = o;
  if (typeof o.prompt === 'string') body = { ...o, messages: [{ role: 'user', content: o.prompt }] };
  else if (!Array.isArray(o.messages)) throw new Error(`${where}: needs "prompt" (string) or "messages" (array)`);
  const input = 'system' in body || 'output_format' in body ? messagesRoutingInput(body) : chatRoutingInput(body);
  if (!input.messages.some((m) => m.role === 'user' && m.text.trim())) throw new Error(`${where}: no user text`);
  return { input, label: o.label };
}

/** Parses labelled jsonl text (blank lines and lines starting with // are skipped). */
export function parseLabelledJsonl(text: string, source = '<input>'): LabelledExample[] {
  const out: LabelledExample[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line && !line.startsWith('//')) out.push(parseLabelledLine(line, `${source}:${i + 1}`));
  });
  return out;
}

export function readLabelledJsonl(path: string): LabelledExample[] {
  return parseLabelledJsonl(readFileSync(path, 'utf8'), path);
}

export interface FitResult {
  weights: number[];
  bias: number;
  mean: number[];
  std: number[];
  /** Final mean log-loss (without the penalty). */
  loss: number;
  /** Training accuracy at 0.5. */
  accuracy: number;
}

/**
 * L2-regularised logistic regression by full-batch gradient descent on standardised features. Deterministic
 * (zero initialisation, no shuffling), so the same data gives the same file.
 */
export function fitLogistic(
  X: readonly ArrayLike<number>[],
  y: readonly number[],
  options: TrainOptions = {},
): FitResult {
  const n = X.length;
  if (n === 0) throw new Error('training: no examples');
  if (y.length !== n) throw new Error('training: X and y differ in length');
  const d = X[0].length;
  const epochs = options.epochs ?? 2000;
  const lr = options.learningRate ?? 0.3;
  const l2 = options.l2 ?? 0.01;

  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const x of X) for (let j = 0; j < d; j++) mean[j] += x[j] / n;
  for (const x of X) for (let j = 0; j < d; j++) std[j] += (x[j] - mean[j]) ** 2 / n;
  // below float noise of the mean (e.g. a constant column) counts as constant
  for (let j = 0; j < d; j++) std[j] = std[j] > 1e-18 * (1 + mean[j] ** 2) ? Math.sqrt(std[j]) : 0;
  // constant features (std 0) are scaled to 0 and so get no weight
  const Z = X.map((x) => Float64Array.from({ length: d }, (_, j) => (std[j] > 0 ? (x[j] - mean[j]) / std[j] : 0)));

  const positives = y.reduce((a, b) => a + b, 0);
  const sw = y.map((t) =>
    options.balanceClasses && positives > 0 && positives < n ? n / (2 * (t ? positives : n - positives)) : 1,
  );
  const swSum = sw.reduce((a, b) => a + b, 0);

  const w = new Float64Array(d);
  let b = 0;
  const grad = new Float64Array(d);
  for (let epoch = 0; epoch < epochs; epoch++) {
    grad.fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const z = Z[i];
      let s = b;
      for (let j = 0; j < d; j++) s += w[j] * z[j];
      const err = (sigmoid(s) - y[i]) * sw[i];
      gb += err;
      for (let j = 0; j < d; j++) grad[j] += err * z[j];
    }
    for (let j = 0; j < d; j++) w[j] -= lr * (grad[j] / swSum + l2 * w[j]);
    b -= (lr * gb) / swSum;
  }

  let loss = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let s = b;
    for (let j = 0; j < d; j++) s += w[j] * Z[i][j];
    const p = Math.min(1 - 1e-12, Math.max(1e-12, sigmoid(s)));
    loss -= y[i] ? Math.log(p) : Math.log(1 - p);
    if (p >= 0.5 === (y[i] === 1)) correct++;
  }
  return { weights: [...w], bias: b, mean, std, loss: loss / n, accuracy: correct / n };
}

/** Trains on labelled examples and returns the weights document (not written anywhere). */
export function trainWeights(examples: readonly LabelledExample[], options: TrainOptions = {}): RouterWeights {
  const X = examples.map((e) => extractFeatures(e.input));
  const y = examples.map((e): number => (e.label === 'strong' ? 1 : 0));
  if (X.some((x) => x.length !== FEATURE_COUNT)) throw new Error('training: feature vector of unexpected length');
  const fit = fitLogistic(X, y, options);
  const round = (v: number): number => Number(v.toPrecision(8));
  return parseWeights({
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_FORMAT_VERSION,
    featureSet: FEATURE_SET_VERSION,
    features: [...FEATURE_NAMES],
    weights: fit.weights.map(round),
    bias: round(fit.bias),
    standardization: { mean: fit.mean.map(round), std: fit.std.map(round) },
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
    trainedAt: new Date().toISOString(),
    training: {
      examples: examples.length,
      strong: y.reduce((a, b) => a + b, 0),
      epochs: options.epochs ?? 2000,
      learningRate: options.learningRate ?? 0.3,
      l2: options.l2 ?? 0.01,
      loss: round(fit.loss),
      accuracy: round(fit.accuracy),
      ...(options.source ? { source: options.source } : {}),
    },
  });
}

/** Writes a weights file atomically (temp file + rename), so a watching router never reads half a file. */
export function writeWeights(path: string, weights: RouterWeights): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(weights, null, 2)}\n`);
  renameSync(tmp, path);
}

/** Reads labelled jsonl from `inputPath`, trains, writes the weights file to `outputPath`, returns the weights. */
export function train(inputPath: string, outputPath: string, options: TrainOptions = {}): RouterWeights {
  const weights = trainWeights(readLabelledJsonl(inputPath), { source: inputPath, ...options });
  writeWeights(outputPath, weights);
  return weights;
}
