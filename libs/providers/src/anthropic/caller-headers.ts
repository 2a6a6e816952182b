import type { IncomingHttpHeaders } from 'node:http';

/** Splits comma-separated (possibly repeated) header values into trimmed, de-duplicated names. */
export function headerList(...values: Array<string | string[] | undefined>): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      for (const name of item.split(',')) {
        const trimmed = name.trim();
        if (trimmed && !out.includes(trimmed)) out.push(trimmed);
      }
    }
  }
  return out;
}

/**
 * What an Anthropic caller's own headers carry to an Anthropic upstream (anthropic-2026.md §2.1): the betas it asked
 * for, merged with the provider's configured `anthropic-beta`, and its `anthropic-version`. Authentication is never
 * taken from the caller (the gateway's key is used unless bring-your-own-key forwards theirs).
 */
export function anthropicCallerHeaders(
  caller: IncomingHttpHeaders | undefined,
  configured: Record<string, string>,
): Record<string, string> {
  if (!caller) return {};
  const out: Record<string, string> = {};
  const configuredBeta = Object.entries(configured).find(([k]) => k.toLowerCase() === 'anthropic-beta')?.[1];
  const betas = headerList(configuredBeta, caller['anthropic-beta']);
  if (betas.length > 0) out['anthropic-beta'] = betas.join(',');
  const version = caller['anthropic-version'];
  if (typeof version === 'string' && version.trim()) out['anthropic-version'] = version.trim();
  return out;
}
