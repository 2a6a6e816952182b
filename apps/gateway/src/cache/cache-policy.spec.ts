import { formats } from '@lessllm/formats';
import { cacheSchema, GatewayError } from '@lessllm/shared';
import { describe, expect, it } from 'vitest';
import { decideCachePolicy, directiveOf, ttlHeaderOf, type PolicyInput } from './cache-policy';

const config = cacheSchema.parse({});
const decide = (over: Partial<PolicyInput>) =>
  decideCachePolicy({ config, alias: undefined, directive: 'default', ttlHeader: null, deterministic: true, ...over });

describe('cache policy', () => {
  it('caches deterministic requests with the default TTL', () => {
    expect(decide({})).toEqual({ lookup: true, store: true, ttlS: 3600 });
  });

  it('bypasses non-deterministic requests unless forced or the alias allows them', () => {
    expect(decide({ deterministic: false })).toMatchObject({ lookup: false, store: false });
    expect(decide({ deterministic: false, directive: 'force' })).toMatchObject({ lookup: true, store: true });
    const alias = { deterministic_only: false };
    expect(decide({ deterministic: false, alias })).toMatchObject({ lookup: true, store: true });
  });

  it('no-store bypasses both; no-cache skips the read but refreshes the entry', () => {
    expect(decide({ directive: 'no-store' })).toMatchObject({ lookup: false, store: false });
    expect(decide({ directive: 'no-cache' })).toMatchObject({ lookup: false, store: true });
  });

  it('operator switches win over the caller', () => {
    const off = cacheSchema.parse({ exact: { enabled: false } });
    expect(decide({ config: off, directive: 'force' })).toMatchObject({ lookup: false, store: false });
    const alias = { enabled: false, deterministic_only: true };
    expect(decide({ alias, directive: 'force' })).toMatchObject({ lookup: false, store: false });
  });

  it('TTL: header, then alias, then default', () => {
    expect(decide({ alias: { ttl_s: 60, deterministic_only: true } }).ttlS).toBe(60);
    expect(decide({ alias: { ttl_s: 60, deterministic_only: true }, ttlHeader: 5 }).ttlS).toBe(5);
  });

  it('parses the headers and rejects bad values', () => {
    expect(directiveOf({})).toBe('default');
    expect(directiveOf({ 'x-lessllm-cache': ' No-Cache ' })).toBe('no-cache');
    expect(() => directiveOf({ 'x-lessllm-cache': 'maybe' })).toThrow(GatewayError);
    expect(ttlHeaderOf({ 'x-lessllm-cache-ttl': '120' })).toBe(120);
    expect(() => ttlHeaderOf({ 'x-lessllm-cache-ttl': '0' })).toThrow(GatewayError);
    expect(() => ttlHeaderOf({ 'x-lessllm-cache-ttl': '1.5' })).toThrow(GatewayError);
  });

  it('deterministic means temperature 0 (omitted defaults to 1)', () => {
    expect(formats['openai-chat'].cache.deterministic({ temperature: 0 })).toBe(true);
    expect(formats['openai-chat'].cache.deterministic({})).toBe(false);
    expect(formats['anthropic-messages'].cache.deterministic({ temperature: 0.2 })).toBe(false);
  });
});
