import type { CallStore, RollupMaintenance } from '@lessllm/shared';

export interface CallStoreConfig {
  /** Set: use this ClickHouse server. Unset: the embedded engine (chDB) in data_dir. */
  clickhouse_url?: string;
  username?: string;
  password?: string;
  /** A dedicated read-only user for users' queries (server only). */
  query_username?: string;
  query_password?: string;
  database?: string;
  data_dir: string;
}

/**
 * Picks the server when clickhouse_url is set and chDB otherwise. Each store module is imported here, on
 * demand, and the chDB one loads the `chdb` package itself only when opened: a service configured for a
 * server never loads chDB's native library.
 */
export async function createCallStore(config: CallStoreConfig): Promise<CallStore & RollupMaintenance> {
  if (config.clickhouse_url) {
    const { ClickHouseServerCallStore } = await import('./clickhouse-server-call-store');
    return new ClickHouseServerCallStore({
      url: config.clickhouse_url,
      username: config.username,
      password: config.password,
      queryUsername: config.query_username,
      queryPassword: config.query_password,
      database: config.database,
    });
  }
  const { ChdbCallStore } = await import('./chdb-call-store');
  const store = new ChdbCallStore(config.data_dir);
  await store.open();
  return store;
}
