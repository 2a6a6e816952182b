import type { ApiFormat, NormalizedUsage } from '@lessllm/shared';

/** What the exact cache stores: the answer exactly as the caller received it, plus what a hit must report. */
export interface CachedAnswer {
  v: 1;
  format: ApiFormat;
  /** Provider and upstream model that produced the answer (shown again on a hit). */
  provider: string;
  model: string;
  /** The answer in the caller's wire format, with usage. */
  response: unknown;
  usage: NormalizedUsage | null;
  usage_raw: unknown;
  /** Epoch ms. */
  stored_at: number;
}

export function parseCachedAnswer(raw: string, format: ApiFormat): CachedAnswer | null {
  try {
    const entry = JSON.parse(raw) as Partial<CachedAnswer>;
    if (entry.v !== 1 || entry.format !== format || !entry.response || typeof entry.provider !== 'string') return null;
    return entry as CachedAnswer;
  } catch {
    return null;
  }
}
