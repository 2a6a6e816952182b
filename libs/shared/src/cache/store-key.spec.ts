import { describe, expect, it } from 'vitest';
import { hashOfStoreKey, modelTag, storeKey, storeKeyMatcher } from './store-key';

const HASH = 'ab'.repeat(32);
const key = (tenant: string | null, model: string, hash = HASH) => storeKey({ tenant, model, hash });

describe('response cache store keys', () => {
  it('model tags hold neither ":" nor glob characters, so a model never matches another', () => {
    expect(modelTag('llama3:8b')).not.toMatch(/[:*?[\]]/);
    expect(modelTag('weird*model?[x]')).not.toMatch(/[:*?[\]]/);
    const only = storeKeyMatcher({ model: 'llama3' });
    expect(only(key('t', 'llama3'))).toBe(true);
    expect(only(key('t', 'llama3:8b'))).toBe(false);
    expect(storeKeyMatcher({ model: 'gpt-*' })(key('t', 'gpt-4o'))).toBe(false);
  });

  it('tenants are matched by a digest: glob characters or colons in a tenant name select nothing else', () => {
    expect(storeKeyMatcher({ tenant: '*' })(key('team-a', 'm'))).toBe(false);
    expect(storeKeyMatcher({ tenant: 'team:a' })(key('team:a', 'm'))).toBe(true);
    expect(storeKeyMatcher({ tenant: 'team-a' })(key(null, 'm'))).toBe(false);
    expect(storeKeyMatcher({})(key(null, 'm'))).toBe(true);
  });

  it('keys are selected by hash prefix and all parts must match', () => {
    const k = key('team-a', 'gpt-4o');
    expect(hashOfStoreKey(k)).toBe(HASH);
    expect(storeKeyMatcher({ hashPrefix: HASH.slice(0, 16) })(k)).toBe(true);
    expect(storeKeyMatcher({ hashPrefix: 'ffffffff' })(k)).toBe(false);
    expect(storeKeyMatcher({ tenant: 'team-a', model: 'gpt-4o', hashPrefix: HASH })(k)).toBe(true);
    expect(storeKeyMatcher({ tenant: 'team-b', model: 'gpt-4o' })(k)).toBe(false);
  });
});
