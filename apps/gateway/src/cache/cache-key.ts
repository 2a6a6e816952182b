import type { WireFormat } from '@lessllm/formats';
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

export interface CacheKeyInput {
  /** Entries hold the answer in the caller's format, so the format is part of the key. */
  format: WireFormat;
  tenant: string | null;
  /** Bring-your-own-key callers: a digest of their provider key, so their answers stay theirs. */
  keyOwner: string | null;
  provider: string;
  model: string;
  body: unknown;
}

/** Bumped when the canonical form changes, so old entries are simply never found again. */
const KEY_VERSION = 2;

/** SHA-256 (hex) of the canonical request plus who asked and where it resolved. */
export function exactCacheKey(input: CacheKeyInput): string {
  const material = canonicalJson({
    v: KEY_VERSION,
    format: input.format.name,
    tenant: input.tenant,
    key_owner: input.keyOwner,
    provider: input.provider,
    model: input.model,
    request: input.format.cache.canonical(input.body as Record<string, unknown>),
  });
  return createHash('sha256').update(material).digest('hex');
}
