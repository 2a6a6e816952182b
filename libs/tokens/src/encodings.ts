import type { TiktokenBPE } from 'js-tiktoken/lite';
import { Tiktoken } from 'js-tiktoken/lite';
import { createRequire } from 'node:module';
import { FastBpeEncoder } from './fast-bpe';

/** Only these two rank files are ever loaded (providers.md §7.1). */
export type EncodingName = 'o200k_base' | 'cl100k_base';

export interface EncodingChoice {
  encoding: EncodingName;
  /** Multiplier applied to raw counts: 1 for OpenAI models, the correction factor for everyone else. */
  factor: number;
  /** True when the encoding is the model's real tokenizer; false = an o200k-based estimate (Claude, Gemini, …). */
  exact: boolean;
}

/**
 * Estimate factor for non-OpenAI models, whose tokenizers are not public or not bundled: o200k_base counts × 1.1
 * (providers.md §7.3 suggests 1.0–1.2 for Claude). An estimate only; billing uses provider-reported usage.
 */
export const DEFAULT_CORRECTION_FACTOR = 1.1;

// Order matters: the o200k families are checked before the generic gpt-4 prefix.
const O200K_PREFIXES = ['gpt-4o', 'chatgpt-4o', 'gpt-4.1', 'gpt-4.5', 'gpt-5', 'o1', 'o3', 'o4'];
const CL100K_PREFIXES = ['gpt-4', 'gpt-3.5', 'gpt-35', 'text-embedding-'];

function startsWithModel(id: string, prefix: string): boolean {
  if (!id.startsWith(prefix)) return false;
  // `o1`, `o3`, `o4` must be whole segments: `o1-mini` yes, `o100` no.
  if (/^o\d$/.test(prefix)) return id.length === prefix.length || id[prefix.length] === '-';
  return true;
}

/** The model's tokenizer per §7.1, falling back to o200k × correction factor for non-OpenAI models. */
export function encodingForModel(model: string, correctionFactor = DEFAULT_CORRECTION_FACTOR): EncodingChoice {
  const raw = model.trim().toLowerCase();
  const id = raw.slice(raw.lastIndexOf('/') + 1);
  if (O200K_PREFIXES.some((p) => startsWithModel(id, p))) return { encoding: 'o200k_base', factor: 1, exact: true };
  if (CL100K_PREFIXES.some((p) => startsWithModel(id, p))) return { encoding: 'cl100k_base', factor: 1, exact: true };
  return { encoding: 'o200k_base', factor: correctionFactor, exact: false };
}

const nodeRequire = createRequire(__filename);
const encoders = new Map<EncodingName, FastBpeEncoder>();

/** The encoder, built on first use from `js-tiktoken/ranks/<name>` (a few MB each, so only when needed). */
export function getEncoder(name: EncodingName): FastBpeEncoder {
  let encoder = encoders.get(name);
  if (!encoder) {
    // Literal specifiers so bundlers and `npm ls` see exactly which rank files are used.
    const ranks = (
      name === 'o200k_base' ? nodeRequire('js-tiktoken/ranks/o200k_base') : nodeRequire('js-tiktoken/ranks/cl100k_base')
    ) as { default?: TiktokenBPE } & TiktokenBPE;
    const bpe = ranks.default ?? ranks;
    encoder = new FastBpeEncoder(new Tiktoken(bpe), bpe);
    encoders.set(name, encoder);
  }
  return encoder;
}
