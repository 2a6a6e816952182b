import { LessLLMClient } from '@lessllm/sdk';
import type { RollupDrift, RollupRepair, RollupScope } from '@lessllm/shared';
import { loadConfig } from '@lessllm/shared';
import { createCallStore, parseDriftRows, rollupDriftSql, spansOfScope } from '@lessllm/store';

/** Where `lessllm doctor` checks the rollup: the configured store itself, or a running service's query API. */
export interface DoctorSource {
  /** What is being checked, for the report's first line. */
  readonly label: string;
  check(scope: RollupScope): Promise<RollupDrift[]>;
  /** Absent when the source is read-only (the analytics API). */
  repair?(scope: RollupScope): Promise<RollupRepair>;
  close(): Promise<void>;
}

export interface DoctorSourceOptions {
  url?: string;
  adminKey?: string;
  config?: string;
}

/** The check's SQL is read-only, so a running service (e.g. an embedded server owning its chDB folder) can run it. */
function httpSource(url: string, adminKey: string | undefined): DoctorSource {
  const client = new LessLLMClient({ url, adminKey });
  return {
    label: `the analytics API at ${url}`,
    check: async (scope) =>
      parseDriftRows(await client.query(rollupDriftSql(spansOfScope(scope)), { maxRows: 100_000 })),
    close: () => Promise.resolve(),
  };
}

async function storeSource(configPath: string | undefined): Promise<DoctorSource> {
  const { storage } = loadConfig(configPath).config;
  let store: Awaited<ReturnType<typeof createCallStore>>;
  try {
    store = await createCallStore(storage);
  } catch (err) {
    throw new Error(
      `cannot open the call store (${(err as Error).message}). If a LessLLM server is running on this data folder, ` +
        'check through it instead (read-only): --url http://localhost:8000 --admin-key <auth.admin_key>',
    );
  }
  return {
    label: storage.clickhouse_url ? `ClickHouse at ${storage.clickhouse_url}` : `chDB in ${storage.data_dir}`,
    check: (scope) => store.checkRollup(scope),
    repair: (scope) => store.repairRollup(scope),
    close: () => store.close(),
  };
}

export function openDoctorSource(options: DoctorSourceOptions): Promise<DoctorSource> {
  const url = options.url ?? process.env.LESSLLM_URL;
  if (url) return Promise.resolve(httpSource(url, options.adminKey ?? process.env.LESSLLM_ADMIN_KEY));
  return storeSource(options.config);
}
