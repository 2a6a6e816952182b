/** Statuses worth retrying on every provider: timeouts, conflicts, rate limits, server errors, overload. */
export const DEFAULT_RETRYABLE_STATUS: ReadonlySet<number> = new Set([408, 409, 429, 500, 502, 503, 504, 529]);
