import { createHash } from 'node:crypto';

/**
 * Where an exact-cache entry lives in the store: `x:<tenant tag>:<model tag>:<request hash>`. The tenant and
 * model parts let an admin purge or count by tenant or model with one key pattern (Redis SCAN MATCH, or a
 * filter over the in-memory map) without an extra index written on the hot path.
 */
export interface StoreKeyParts {
  tenant: string | null;
  /** The provider model that answered (as in x-lessllm-model). */
  model: string;
  /** SHA-256 hex of the canonical request (see exactCacheKey). */
  hash: string;
}

/** What to select: every given part must match; an empty filter selects every entry. */
export interface StoreKeyFilter {
  tenant?: string;
  model?: string;
  /** A full request hash, or a prefix of at least 8 hex digits (api_calls.response_cache_key holds 16). */
  hashPrefix?: string;
}

const ANONYMOUS = '-';

/** A fixed-width tag: tenant names may hold any character, the tag only hex. */
export function tenantTag(tenant: string | null): string {
  return tenant === null ? ANONYMOUS : createHash('sha256').update(tenant).digest('hex').slice(0, 16);
}

/** Model names may hold `:` (e.g. llama3:8b) or glob characters; the tag holds neither. */
export function modelTag(model: string): string {
  return encodeURIComponent(model).replace(/[*?![\]()'~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function storeKey(parts: StoreKeyParts): string {
  return `x:${tenantTag(parts.tenant)}:${modelTag(parts.model)}:${parts.hash}`;
}

/** The request hash of a store key (its last part). */
export function hashOfStoreKey(key: string): string {
  return key.slice(key.lastIndexOf(':') + 1);
}

/** A Redis glob (only `*` is special in what we build: every literal part is hex or percent-encoded). */
export function storeKeyPattern(filter: StoreKeyFilter): string {
  const tenant = filter.tenant === undefined ? '*' : tenantTag(filter.tenant);
  const model = filter.model === undefined ? '*' : modelTag(filter.model);
  return `x:${tenant}:${model}:${filter.hashPrefix ?? ''}*`;
}

/** The same selection as a predicate over store keys (for the in-memory store). */
export function storeKeyMatcher(filter: StoreKeyFilter): (key: string) => boolean {
  const pattern = storeKeyPattern(filter);
  const source = pattern
    .split('*')
    .map((literal) => literal.replace(/[.+^${}()|[\]\\?]/g, '\\$&'))
    .join('[^]*');
  const regex = new RegExp(`^${source}$`);
  return (key) => regex.test(key);
}
