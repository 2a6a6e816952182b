/** Why a store operation failed, so callers can map it (e.g. HTTP 400 for the user's SQL, 500 for the engine). */
export type StoreErrorKind =
  | 'invalid_sql' // refused by our validator before reaching the engine
  | 'invalid_options' // bad maxRows / timeoutSeconds / rows
  | 'readonly' // the engine refused a write or a setting change (ClickHouse code 164)
  | 'too_many_rows' // maxRows exceeded
  | 'result_too_large' // maxResultBytes exceeded
  | 'memory_limit' // maxMemoryBytes exceeded (ClickHouse code 241)
  | 'access_denied' // the ClickHouse user lacks a grant (497) or the credentials are wrong (516)
  | 'timeout' // timeoutSeconds exceeded
  | 'syntax' // ClickHouse could not parse the SQL
  | 'engine'; // any other ClickHouse / chDB failure

/** The one error type the store throws; the message says what is wrong, including ClickHouse's own words. */
export class StoreQueryError extends Error {
  override readonly name = 'StoreQueryError';

  constructor(
    message: string,
    readonly kind: StoreErrorKind,
    readonly clickhouseCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const KIND_BY_CODE: Record<number, StoreErrorKind> = {
  62: 'syntax', // SYNTAX_ERROR
  159: 'timeout', // TIMEOUT_EXCEEDED
  164: 'readonly', // READONLY
  241: 'memory_limit', // MEMORY_LIMIT_EXCEEDED
  396: 'too_many_rows', // TOO_MANY_ROWS_OR_BYTES (bytes: see kindOf)
  497: 'access_denied', // ACCESS_DENIED
  516: 'access_denied', // AUTHENTICATION_FAILED
};

function kindOf(code: number | undefined, message: string): StoreErrorKind {
  if (code === 396 && /max bytes/i.test(message)) return 'result_too_large';
  return (code !== undefined ? KIND_BY_CODE[code] : undefined) ?? 'engine';
}

const MAX_MESSAGE_CHARS = 1_000;

/**
 * ClickHouse messages carry a version suffix, sometimes a stack trace, and chDB repeats the
 * "Code: N. DB::Exception:" prefix when an error is rethrown; keep one clean line of the engine's words.
 */
export function cleanClickHouseMessage(raw: string): string {
  let text = raw.split(/\n\s*Stack trace:/)[0] ?? raw;
  text = text.replace(/\s*\(version [^)]*\)/g, '');
  text = text.replace(/(Code: \d+\. DB::Exception: )+/g, '$1');
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

function codeOf(err: unknown, message: string): number | undefined {
  if (typeof err === 'object' && err !== null) {
    const e = err as { clickhouseCode?: unknown; code?: unknown };
    if (typeof e.clickhouseCode === 'number') return e.clickhouseCode;
    // @clickhouse/client's ClickHouseError carries the numeric code as a string.
    if (typeof e.code === 'string' && /^\d+$/.test(e.code)) return Number(e.code);
  }
  const match = /Code: (\d+)\./.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** Wraps an engine/client error into a StoreQueryError whose message starts with what we were doing. */
export function toStoreQueryError(err: unknown, doing: string): StoreQueryError {
  if (err instanceof StoreQueryError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const code = codeOf(err, raw);
  const kind = kindOf(code, raw);
  return new StoreQueryError(`${doing}: ${cleanClickHouseMessage(raw)}`, kind, code, { cause: err });
}
