import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FEATURE_NAMES, FEATURE_SET_VERSION, fromPrompt } from './request-features';
import { writeWeights } from './train';
import {
  loadWeights,
  parseWeights,
  TrainedClassifier,
  watchWeights,
  WEIGHTS_FORMAT,
  WeightsFileError,
  type RouterWeights,
} from './trained-classifier';

const n = FEATURE_NAMES.length;

function weights(bias: number, codeWeight = 1): RouterWeights {
  return {
    format: WEIGHTS_FORMAT,
    version: 1,
    featureSet: FEATURE_SET_VERSION,
    features: [...FEATURE_NAMES],
    weights: FEATURE_NAMES.map((f) => (f === 'code_terms' ? codeWeight : 0)),
    bias,
    standardization: { mean: new Array<number>(n).fill(0), std: new Array<number>(n).fill(1) },
  };
}

const dir = mkdtempSync(path.join(tmpdir(), 'router-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const file = (content: string | object): string => {
  const p = path.join(dir, `w${fileNo++}.json`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};

function errorOf(fn: () => unknown): WeightsFileError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WeightsFileError) return err;
    throw err;
  }
  throw new Error('expected a WeightsFileError');
}

describe('loadWeights', () => {
  it('loads a valid file', () => {
    expect(loadWeights(file(weights(-2)))).toEqual(weights(-2));
  });

  it('rejects a stale file (older feature set / different features) with a clear error', () => {
    const old = errorOf(() => loadWeights(file({ ...weights(0), featureSet: 'request-features/0' })));
    expect(old.kind).toBe('stale');
    expect(old.message).toMatch(/stale weights: trained for feature set "request-features\/0".*this build extracts/);
    expect(old.message).toMatch(/retrain/);
    const fewer = errorOf(() =>
      loadWeights(file({ ...weights(0), features: [...FEATURE_NAMES.filter((f) => f !== 'tools'), 'old_feature'] })),
    );
    expect(fewer.kind).toBe('stale');
    expect(fewer.message).toMatch(/missing tools; unknown old_feature/);
    const reordered = errorOf(() => loadWeights(file({ ...weights(0), features: [...FEATURE_NAMES].reverse() })));
    expect(reordered.message).toMatch(/different order/);
    const version = errorOf(() => loadWeights(file({ ...weights(0), version: 2 })));
    expect(version.kind).toBe('stale');
    expect(version.message).toMatch(/file format version 2, this build reads version 1/);
  });

  it('rejects corrupt, foreign, inconsistent and missing files with a clear error', () => {
    const truncated = JSON.stringify(weights(0)).slice(0, 80);
    const corrupt = errorOf(() => loadWeights(file(truncated)));
    expect(corrupt.kind).toBe('json');
    expect(corrupt.message).toMatch(/^router weights .*w\d+\.json: not valid JSON .*corrupt or truncated/);
    expect(errorOf(() => loadWeights(file({ hello: 1 }))).message).toMatch(/not a LessLLM router weights file/);
    expect(errorOf(() => loadWeights(file('[1,2]'))).kind).toBe('format');
    const short = errorOf(() => loadWeights(file({ ...weights(0), weights: [1, 2] })));
    expect(short.kind).toBe('invalid');
    expect(short.message).toMatch(/weights has 2 values for 19 features/);
    const badType = errorOf(() => loadWeights(file({ ...weights(0), bias: 'x' })));
    expect(badType.kind).toBe('invalid');
    expect(badType.message).toMatch(/bias/);
    const negStd = { ...weights(0), standardization: { mean: weights(0).standardization.mean, std: [-1] } };
    expect(errorOf(() => loadWeights(file(negStd))).message).toMatch(/must be >= 0/);
    const missing = errorOf(() => loadWeights(path.join(dir, 'nope.json')));
    expect(missing.kind).toBe('missing');
    expect(missing.message).toMatch(/nope\.json: file not found/);
  });
});

describe('TrainedClassifier', () => {
  it('scores with the loaded weights and explains', () => {
    const c = new TrainedClassifier(weights(-1, 3));
    const code = c.decide(fromPrompt('Fix this Python function'));
    const chat = c.decide(fromPrompt('hello'));
    expect(code.probability).toBeGreaterThan(chat.probability);
    expect(chat.probability).toBeCloseTo(1 / (1 + Math.E));
    expect(code.reason).toMatch(/^trained p=.*code_terms \+/);
    expect(() => c.update({ ...weights(0), featureSet: 'x' })).toThrow(WeightsFileError);
    expect(c.weights.bias).toBe(-1);
    expect(new TrainedClassifier({ ...weights(0), threshold: 0.7 }, { threshold: 0.2 }).threshold).toBe(0.2);
  });
});

describe('watchWeights', () => {
  it('picks up a new file, keeps the old weights on a bad one, and stops when closed', async () => {
    const p = path.join(dir, 'watched.json');
    writeWeights(p, weights(-1));
    const onReload = vi.fn();
    const onError = vi.fn();
    const watcher = watchWeights(p, { intervalMs: 10, onReload, onError });
    try {
      expect(watcher.classifier.weights.bias).toBe(-1);
      expect(watcher.check()).toBe(false); // unchanged

      writeWeights(p, weights(2.5)); // atomic replace (new inode)
      await vi.waitFor(() => expect(watcher.classifier.weights.bias).toBe(2.5), { timeout: 2000, interval: 10 });
      expect(onReload).toHaveBeenCalledTimes(1);

      writeFileSync(p, '{"format": "lessllm-router-weights", "ver'); // in-place, corrupt
      await vi.waitFor(() => expect(onError).toHaveBeenCalled(), { timeout: 2000, interval: 10 });
      expect(onError.mock.calls[0][0]).toBeInstanceOf(WeightsFileError);
      expect(watcher.classifier.weights.bias).toBe(2.5);

      writeFileSync(p, JSON.stringify(weights(-0.5))); // in-place, valid again
      await vi.waitFor(() => expect(watcher.classifier.weights.bias).toBe(-0.5), { timeout: 2000, interval: 10 });
    } finally {
      watcher.close();
    }
    watcher.close(); // idempotent
    writeWeights(p, weights(4));
    await new Promise((r) => setTimeout(r, 60));
    expect(watcher.classifier.weights.bias).toBe(-0.5);
  });

  it('throws at start when the initial file is unusable', () => {
    expect(() => watchWeights(file('not json'))).toThrow(WeightsFileError);
  });
});

describe('parseWeights', () => {
  it('validates an in-memory document', () => {
    expect(parseWeights(weights(1))).toEqual(weights(1));
    expect(() => parseWeights(null)).toThrow(/not a JSON object/);
  });
});
