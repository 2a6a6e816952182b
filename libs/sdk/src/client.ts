import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { request } from 'undici';

export interface LessLLMClientOptions {
  /** Base URL of a running gateway (all-in-one) or analyzer service, e.g. http://localhost:8000. */
  url: string;
  /** `auth.admin_key`; omit only for a gateway running without an `auth` block. */
  adminKey?: string;
}

export interface ExportOptions {
  filepath: string;
  since?: string;
  until?: string;
  filters?: { models?: string[]; users?: string[] };
  /** Default: from the file extension (.parquet, .csv, .jsonl/.ndjson), else jsonl. */
  format?: 'parquet' | 'csv' | 'jsonl';
  /** Called as bytes arrive (for progress bars). */
  onProgress?: (bytes: number) => void;
}

/** Selects cache entries: every given part must match. `key` is a request hash or a prefix (≥ 8 hex digits). */
export interface CacheFilter {
  tenant?: string;
  model?: string;
  key?: string;
}

export class LessLLMApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'LessLLMApiError';
  }
}

export function formatFromPath(filepath: string): 'parquet' | 'csv' | 'jsonl' {
  if (filepath.endsWith('.parquet')) return 'parquet';
  if (filepath.endsWith('.csv')) return 'csv';
  return 'jsonl';
}

/** The admin APIs from TypeScript: SQL, usage stats, exports, response-cache stats and purge. */
export class LessLLMClient {
  private readonly base: string;

  constructor(private readonly options: LessLLMClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  async query<T = Record<string, unknown>>(sql: string, opts: { maxRows?: number } = {}): Promise<T[]> {
    const body = await this.call('POST', '/v1/analytics/query', { sql, max_rows: opts.maxRows });
    return (body as { rows: T[] }).rows;
  }

  async getUsageStats(opts: { days?: number } = {}): Promise<Record<string, unknown>[]> {
    const body = await this.call('GET', `/v1/analytics/usage?days=${opts.days ?? 7}`);
    return (body as { rows: Record<string, unknown>[] }).rows;
  }

  /** Response-cache entries and bytes (narrowed by the filter) plus the gateway replica's hit/miss counters. */
  async cacheStats(filter: CacheFilter = {}): Promise<Record<string, unknown>> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(filter)) if (value !== undefined) params.set(name, String(value));
    const query = params.size ? `?${params.toString()}` : '';
    return (await this.call('GET', `/v1/admin/cache/stats${query}`)) as Record<string, unknown>;
  }

  /** Deletes the selected response-cache entries (`'all'` empties the cache); resolves to how many. */
  async purgeCache(filter: CacheFilter | 'all'): Promise<{ purged: number }> {
    const body = filter === 'all' ? { all: true } : filter;
    return (await this.call('POST', '/v1/admin/cache/purge', body)) as { purged: number };
  }

  async exportLogs(opts: ExportOptions): Promise<{ bytes: number; filepath: string }> {
    const params = new URLSearchParams({ format: opts.format ?? formatFromPath(opts.filepath) });
    if (opts.since) params.set('since', opts.since);
    if (opts.until) params.set('until', opts.until);
    if (opts.filters?.models?.length) params.set('model', opts.filters.models.join(','));
    if (opts.filters?.users?.length) params.set('user', opts.filters.users.join(','));
    const res = await request(`${this.base}/v1/analytics/export?${params.toString()}`, { headers: this.headers() });
    if (res.statusCode !== 200) throw await this.errorOf(res.statusCode, await res.body.text());
    const out = createWriteStream(opts.filepath);
    let bytes = 0;
    for await (const chunk of res.body) {
      bytes += (chunk as Buffer).length;
      if (!out.write(chunk)) await once(out, 'drain');
      opts.onProgress?.(bytes);
    }
    out.end();
    await once(out, 'finish');
    return { bytes, filepath: opts.filepath };
  }

  private headers(): Record<string, string> {
    return this.options.adminKey ? { authorization: `Bearer ${this.options.adminKey}` } : {};
  }

  private async call(method: 'GET' | 'POST', path: string, json?: unknown): Promise<unknown> {
    const res = await request(`${this.base}${path}`, {
      method,
      headers: { ...this.headers(), ...(json ? { 'content-type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw await this.errorOf(res.statusCode, text);
    return JSON.parse(text);
  }

  private errorOf(status: number, text: string): Promise<LessLLMApiError> {
    let message = text.slice(0, 500);
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: keep the text
    }
    return Promise.resolve(new LessLLMApiError(status, `${status}: ${message}`));
  }
}
