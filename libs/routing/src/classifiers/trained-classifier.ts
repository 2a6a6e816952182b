import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import {
  checkThreshold,
  DEFAULT_THRESHOLD,
  type Classifier,
  type ClassifierVerdict,
  type TierDecision,
} from './classifier';
import { decideWithModel } from './features-classifier';
import { LogisticModel } from './logistic-model';
import { extractFeatures, FEATURE_NAMES, FEATURE_SET_VERSION, type RoutingInput } from './request-features';

/** `format` field of every weights file. */
export const WEIGHTS_FORMAT = 'lessllm-router-weights';
/** Layout version of the file itself (fields, standardisation); independent of the feature set. */
export const WEIGHTS_FORMAT_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const weightsSchema = z.object({
  format: z.literal(WEIGHTS_FORMAT),
  version: z.literal(WEIGHTS_FORMAT_VERSION),
  /** FEATURE_SET_VERSION the weights were trained for. */
  featureSet: z.string(),
  /** Feature names in vector order; must equal FEATURE_NAMES. */
  features: z.array(z.string()).min(1),
  weights: z.array(finite),
  bias: finite,
  /** Training-set mean and standard deviation of each feature; inputs are standardised with them before scoring. */
  standardization: z.object({ mean: z.array(finite), std: z.array(finite.refine((s) => s >= 0, 'must be >= 0')) }),
  /** Decision threshold suggested by whoever trained the file (a classifier option overrides it). */
  threshold: finite.refine((t) => t > 0 && t < 1, 'must be in (0, 1)').optional(),
  trainedAt: z.string().optional(),
  /** Provenance; not used for scoring. */
  training: z
    .object({
      examples: z.number().int().nonnegative(),
      strong: z.number().int().nonnegative(),
      epochs: z.number().int().nonnegative(),
      learningRate: finite,
      l2: finite,
      loss: finite,
      accuracy: finite,
      source: z.string().optional(),
    })
    .optional(),
});

/** The JSON document `train()` writes and `loadWeights()` reads. */
export type RouterWeights = z.infer<typeof weightsSchema>;

export type WeightsErrorKind = 'missing' | 'json' | 'format' | 'stale' | 'invalid';

/** A weights file that cannot be used, with what is wrong and what to do. */
export class WeightsFileError extends Error {
  constructor(
    readonly source: string,
    readonly kind: WeightsErrorKind,
    detail: string,
  ) {
    super(`router weights ${source}: ${detail}`);
    this.name = 'WeightsFileError';
  }
}

const RETRAIN = 'retrain it with the current build (train() in libs/routing/src/classifiers/train.ts)';

/** Validates a parsed weights document against this build's file format and feature set. */
export function parseWeights(doc: unknown, source = '<weights>'): RouterWeights {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new WeightsFileError(source, 'format', 'not a JSON object, so not a LessLLM router weights file');
  }
  const head = doc as Record<string, unknown>;
  if (head.format !== WEIGHTS_FORMAT) {
    throw new WeightsFileError(
      source,
      'format',
      `not a LessLLM router weights file (format is ${JSON.stringify(head.format)}, expected "${WEIGHTS_FORMAT}")`,
    );
  }
  if (head.version !== WEIGHTS_FORMAT_VERSION) {
    throw new WeightsFileError(
      source,
      'stale',
      `file format version ${JSON.stringify(head.version)}, this build reads version ${WEIGHTS_FORMAT_VERSION}; ${RETRAIN}`,
    );
  }
  if (Array.isArray(head.features) && head.features.every((f) => typeof f === 'string')) {
    const features: string[] = head.features;
    const same = features.length === FEATURE_NAMES.length && features.every((f, i) => f === FEATURE_NAMES[i]);
    if (!same || head.featureSet !== FEATURE_SET_VERSION) {
      const missing = FEATURE_NAMES.filter((f) => !features.includes(f));
      const extra = features.filter((f) => !(FEATURE_NAMES as readonly string[]).includes(f));
      const diff = [
        missing.length ? `missing ${missing.join(', ')}` : '',
        extra.length ? `unknown ${extra.join(', ')}` : '',
        !missing.length && !extra.length && !same ? 'features in a different order' : '',
      ].filter(Boolean);
      throw new WeightsFileError(
        source,
        'stale',
        `stale weights: trained for feature set ${JSON.stringify(head.featureSet)}` +
          `${diff.length ? ` (${diff.join('; ')})` : ''}, this build extracts "${FEATURE_SET_VERSION}"; ${RETRAIN}`,
      );
    }
  }
  const parsed = weightsSchema.safeParse(doc);
  if (!parsed.success) {
    throw new WeightsFileError(source, 'invalid', `invalid weights file:\n${z.prettifyError(parsed.error)}`);
  }
  const w = parsed.data;
  const n = w.features.length;
  for (const [what, arr] of [
    ['weights', w.weights],
    ['standardization.mean', w.standardization.mean],
    ['standardization.std', w.standardization.std],
  ] as const) {
    if (arr.length !== n) {
      throw new WeightsFileError(source, 'invalid', `${what} has ${arr.length} values for ${n} features`);
    }
  }
  return w;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new WeightsFileError(path, 'missing', e.code === 'ENOENT' ? 'file not found' : `cannot read: ${e.message}`);
  }
}

/** Parses and validates the text of a weights file. */
export function parseWeightsText(text: string, source = '<weights>'): RouterWeights {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new WeightsFileError(
      source,
      'json',
      `not valid JSON (${(err as Error).message}); corrupt or truncated file?`,
    );
  }
  return parseWeights(doc, source);
}

/** Reads and validates a weights file; throws WeightsFileError with a clear message. */
export function loadWeights(path: string): RouterWeights {
  return parseWeightsText(readText(path), path);
}

export function modelFromWeights(w: RouterWeights): LogisticModel {
  return new LogisticModel({
    featureNames: w.features,
    weights: w.weights,
    bias: w.bias,
    mean: w.standardization.mean,
    std: w.standardization.std,
  });
}

export interface TrainedClassifierOptions {
  /** Overrides the threshold stored in the file; default: the file's, else 0.5. */
  threshold?: number;
  explainTop?: number;
}

/** Logistic regression over the request features with learned weights (see train.ts). */
export class TrainedClassifier implements Classifier {
  readonly name = 'trained';
  private current: { weights: RouterWeights; model: LogisticModel; threshold: number };

  constructor(
    weights: RouterWeights,
    private readonly options: TrainedClassifierOptions = {},
  ) {
    this.current = this.prepare(weights);
  }

  static fromFile(path: string, options: TrainedClassifierOptions = {}): TrainedClassifier {
    return new TrainedClassifier(loadWeights(path), options);
  }

  get weights(): RouterWeights {
    return this.current.weights;
  }

  get threshold(): number {
    return this.current.threshold;
  }

  /** Swaps the weights (validated first; the old ones stay on error). */
  update(weights: RouterWeights): void {
    this.current = this.prepare(parseWeights(weights));
  }

  classify(input: RoutingInput): ClassifierVerdict {
    const d = this.decide(input);
    return { strongProbability: d.probability, classifier: this.name, reason: d.reason };
  }

  decide(input: RoutingInput): TierDecision {
    const { model, threshold } = this.current;
    return decideWithModel(model, extractFeatures(input), threshold, this.name, this.options.explainTop ?? 3);
  }

  private prepare(weights: RouterWeights) {
    const threshold = checkThreshold(this.options.threshold ?? weights.threshold ?? DEFAULT_THRESHOLD);
    return { weights, model: modelFromWeights(weights), threshold };
  }
}

export interface WeightsWatcherOptions extends TrainedClassifierOptions {
  /** Poll interval (default 2000 ms). Polling, not fs.watch: it survives editors and atomic rename-over writes. */
  intervalMs?: number;
  onReload?: (weights: RouterWeights) => void;
  /** A changed file that fails to load; the previous weights stay in use. */
  onError?: (error: WeightsFileError) => void;
}

export interface WeightsWatcher {
  readonly classifier: TrainedClassifier;
  /** Checks the file now; true when new weights were loaded. */
  check(): boolean;
  /** Stops polling; idempotent. */
  close(): void;
}

/**
 * Loads `path` (throws if the initial file is unusable) and reloads it whenever it changes, keeping the last good
 * weights when a new version is invalid. The timer is unref'd, so it never keeps the process alive; call close().
 */
export function watchWeights(path: string, options: WeightsWatcherOptions = {}): WeightsWatcher {
  const signature = (): string | null => {
    try {
      const s = statSync(path);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return null;
    }
  };
  let seen = signature();
  let lastText = readText(path);
  const classifier = new TrainedClassifier(parseWeightsText(lastText, path), options);
  let timer: NodeJS.Timeout | null = null;

  const check = (): boolean => {
    const sig = signature();
    if (sig === seen) return false;
    seen = sig;
    try {
      const text = readText(path);
      if (text === lastText) return false;
      const weights = parseWeightsText(text, path);
      classifier.update(weights);
      lastText = text;
      options.onReload?.(weights);
      return true;
    } catch (err) {
      options.onError?.(
        err instanceof WeightsFileError ? err : new WeightsFileError(path, 'invalid', (err as Error).message),
      );
      return false;
    }
  };

  timer = setInterval(check, options.intervalMs ?? 2000);
  timer.unref();
  return {
    classifier,
    check,
    close() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
