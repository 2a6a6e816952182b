import Module from 'node:module';
import { sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCallStore } from './index';
import { makeTempDir, removeDir } from './testing/temp-dir';

const dir = makeTempDir('create-store');

/** True once chdb's CommonJS entry (which loads the native library) is in Node's module cache. */
function chdbLoaded(): boolean {
  const cache = (Module as unknown as { _cache: Record<string, unknown> })._cache;
  return Object.keys(cache).some((file) => file.includes(`${sep}node_modules${sep}chdb${sep}`));
}

afterAll(() => removeDir(dir));

describe('createCallStore', () => {
  it('importing the library does not load chdb', () => {
    expect(chdbLoaded()).toBe(false);
  });

  it('picks the ClickHouse server when clickhouse_url is set, still without loading chdb', async () => {
    const store = await createCallStore({ clickhouse_url: 'http://127.0.0.1:9', data_dir: dir });
    expect(store.kind).toBe('clickhouse');
    expect(chdbLoaded()).toBe(false);
    await store.close();
  });

  it('picks chDB otherwise, loading it then', async () => {
    const store = await createCallStore({ data_dir: dir });
    expect(store.kind).toBe('chdb');
    expect(chdbLoaded()).toBe(true);
    expect(await store.ping()).toBe(true);
    await store.close();
  });
});
