import type { OpenAIErrorBody } from '@lessllm/shared';
import { behaviourOf } from '../shared/behaviour';
import type { FakeRequest } from '../shared/server';
import { fnv1a, isRecord } from '../shared/text';
import { applyFailureBehaviour } from './failures';
import type { OpenAIFakeState } from './options';
import { ERRORS, openaiError, sendError, sendJson } from './respond';

export const DEFAULT_EMBEDDING_DIMENSIONS = 8;

/** Deterministic unit-length vector for `text`; every component is exactly representable as float32. */
export function fakeEmbedding(text: string, dimensions = DEFAULT_EMBEDDING_DIMENSIONS): number[] {
  const raw: number[] = [];
  for (let d = 0; d < dimensions; d++)
    raw.push((fnv1a(text, (0x811c9dc5 ^ Math.imul(d + 1, 0x9e3779b1)) >>> 0) / 2 ** 32) * 2 - 1);
  const norm = Math.hypot(...raw) || 1;
  return raw.map((v) => Math.fround(v / norm));
}

/** Little-endian float32 bytes, base64 (what `encoding_format: 'base64'` returns and the openai SDK decodes). */
export function toBase64Float32(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

type Input = { key: string; tokens: number };

/**
 * What the fake "understands" of a text: case, punctuation and spacing are ignored, so such variants embed
 * identically (as a real model embeds them nearly identically) while any other change gives an unrelated vector.
 */
const meaningOf = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();

/** Normalises `input` (string | string[] | number[] | number[][]) to per-item hash keys and token counts. */
function inputs(input: unknown): Input[] | OpenAIErrorBody {
  const invalid = openaiError(
    "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
    'invalid_request_error',
  );
  const one = (item: unknown): Input | undefined => {
    if (typeof item === 'string' && item.length > 0)
      return { key: meaningOf(item), tokens: Math.ceil(item.length / 4) };
    if (Array.isArray(item) && item.length > 0 && item.every((t) => typeof t === 'number')) {
      return { key: JSON.stringify(item), tokens: item.length };
    }
    return undefined;
  };
  if (input === undefined) return ERRORS.missing('input');
  const single = one(input);
  if (single) return [single];
  if (!Array.isArray(input) || input.length === 0) return invalid;
  const items = input.map(one);
  return items.every((i): i is Input => i !== undefined) ? items : invalid;
}

/** `POST /v1/embeddings` (and the Azure deployment form). */
export async function handleEmbeddings(fake: FakeRequest, state: OpenAIFakeState, deployment?: string): Promise<void> {
  if (fake.bodyInvalid || !isRecord(fake.body)) return sendError(fake, state, 400, ERRORS.invalidJson);
  const body = fake.body;
  const model = typeof body.model === 'string' && body.model ? body.model : deployment;
  if (!model) return sendError(fake, state, 400, ERRORS.missingModel);
  if (await applyFailureBehaviour(fake, state, behaviourOf(deployment ?? model), model)) return;

  const items = inputs(body.input);
  if (!Array.isArray(items)) return sendError(fake, state, 400, items);
  const dims = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.floor(body.dimensions) : undefined;
  const base64 = body.encoding_format === 'base64';
  let tokens = 0;
  const data = items.map((item, index) => {
    tokens += item.tokens;
    const vector = fakeEmbedding(item.key, dims);
    return { object: 'embedding', index, embedding: base64 ? toBase64Float32(vector) : vector };
  });
  sendJson(fake, state, 200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}
