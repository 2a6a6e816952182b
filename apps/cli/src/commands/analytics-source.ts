import { LessLLMClient, formatFromPath, type ExportOptions } from '@lessllm/sdk';
import type { CallStore } from '@lessllm/shared';
import { loadConfig } from '@lessllm/shared';
import { createCallStore, exportSql, usageStatsSql } from '@lessllm/store';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/** Where the CLI reads call records: a running service's analytics API, or the store opened directly. */
export interface AnalyticsSource {
  query(sql: string, maxRows?: number): Promise<Record<string, unknown>[]>;
  usage(days: number): Promise<Record<string, unknown>[]>;
  exportTo(opts: ExportOptions): Promise<{ bytes: number }>;
  close(): Promise<void>;
}

export interface SourceOptions {
  url?: string;
  adminKey?: string;
  config?: string;
}

class HttpSource implements AnalyticsSource {
  constructor(private readonly client: LessLLMClient) {}
  query(sql: string, maxRows?: number) {
    return this.client.query(sql, { maxRows });
  }
  usage(days: number) {
    return this.client.getUsageStats({ days });
  }
  exportTo(opts: ExportOptions) {
    return this.client.exportLogs(opts);
  }
  close() {
    return Promise.resolve();
  }
}

class DirectSource implements AnalyticsSource {
  constructor(private readonly store: CallStore) {}
  query(sql: string, maxRows?: number) {
    return this.store.queryReadOnly(sql, { maxRows });
  }
  usage(days: number) {
    return this.store.queryReadOnly(usageStatsSql(days), { maxRows: 100_000 });
  }
  async exportTo(opts: ExportOptions) {
    const sql = exportSql({ since: opts.since, until: opts.until, ...opts.filters });
    const out = createWriteStream(opts.filepath);
    let bytes = 0;
    for await (const chunk of this.store.exportReadOnly(sql, opts.format ?? formatFromPath(opts.filepath), {
      maxRows: 100_000_000,
      timeoutSeconds: 3600,
    })) {
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
      opts.onProgress?.(bytes);
    }
    out.end();
    await once(out, 'finish');
    return { bytes };
  }
  close() {
    return this.store.close();
  }
}

/** `--url`/LESSLLM_URL given: talk to the service. Otherwise open the configured store (chDB allows one process). */
export async function openSource(options: SourceOptions): Promise<AnalyticsSource> {
  const url = options.url ?? process.env.LESSLLM_URL;
  if (url)
    return new HttpSource(new LessLLMClient({ url, adminKey: options.adminKey ?? process.env.LESSLLM_ADMIN_KEY }));
  const { config } = loadConfig(options.config);
  try {
    return new DirectSource(await createCallStore(config.storage));
  } catch (err) {
    throw new Error(
      `cannot open the call store (${(err as Error).message}). If a LessLLM server is running on this data folder, ` +
        'query it instead: --url http://localhost:8000 --admin-key <auth.admin_key>',
    );
  }
}
