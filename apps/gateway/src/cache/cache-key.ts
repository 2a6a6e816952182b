import type { ApiFormat } from '@lessllm/shared';
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { canonicalRequest } from './canonical-request';

export interface CacheKeyInput {
  /** Entries hold the answer in the caller's format, so the format is part of the key. */
  callerFormat: ApiFormat;
  tenant: string | null;
  /** Bring-your-own-key callers: a digest of their provider key, so their answers stay theirs. */
  keyOwner: string | null;
  provider: string;
  model: string;
  body: unknown;
}

/** Bumped when the canonical form changes, so old entries are simply never found again. */
const KEY_VERSION = 1;

/** SHA-256 (hex) of the canonical request plus who asked and where it resolved. */
export function exactCacheKey(input: CacheKeyInput): string {
  const material = canonicalJson({
    v: KEY_VERSION,
    format: input.callerFormat,
    tenant: input.tenant,
    key_owner: input.keyOwner,
    provider: input.provider,
    model: input.model,
    request: canonicalRequest(input.callerFormat, input.body),
  });
  return createHash('sha256').update(material).digest('hex');
}
