import { describe, expect, it } from 'vitest';
import { MemoryResponseCacheStore } from './memory-response-cache.store';

describe('MemoryResponseCacheStore', () => {
  it('expires entries after their TTL', async () => {
    let now = 1000;
    const store = new MemoryResponseCacheStore(1000, () => now);
    await store.set('k', 'v', 10);
    expect(await store.get('k')).toBe('v');
    now += 10_000;
    expect(await store.get('k')).toBeNull();
    expect(store.totalBytes).toBe(0);
  });

  it('evicts least recently used entries beyond the byte bound', async () => {
    const store = new MemoryResponseCacheStore(30);
    await store.set('a', 'x'.repeat(9), 60); // 10 bytes each
    await store.set('b', 'x'.repeat(9), 60);
    await store.set('c', 'x'.repeat(9), 60);
    await store.get('a'); // a is now the most recent
    await store.set('d', 'x'.repeat(9), 60);
    expect(await store.get('b')).toBeNull();
    expect(await store.get('a')).not.toBeNull();
    expect(store.totalBytes).toBeLessThanOrEqual(30);
    await store.set('huge', 'x'.repeat(100), 60);
    expect(await store.get('huge')).toBeNull();
  });
});
