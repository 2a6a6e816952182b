const PHRASES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  EPIPE: 'connection closed',
  ENOTFOUND: 'name not found',
  EAI_AGAIN: 'name lookup failed temporarily',
  EADDRNOTAVAIL: 'address not available',
};

/** The errno-style code of an error; happy-eyeballs failures (AggregateError) carry it on their first error. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const errors = (err as { errors?: unknown }).errors;
  return Array.isArray(errors) ? errorCode(errors[0]) : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** "connection refused (ECONNREFUSED)", or the error's own message for anything else. */
export function describeNetError(err: unknown): string {
  const code = errorCode(err);
  if (code && PHRASES[code]) return `${PHRASES[code]} (${code})`;
  return code ? `${errorMessage(err)} (${code})` : errorMessage(err);
}

export function isDnsError(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NODATA';
}
