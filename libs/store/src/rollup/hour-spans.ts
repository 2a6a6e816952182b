import type { RollupScope } from '@lessllm/shared';
import { StoreQueryError } from '../store-query-error';

const HOUR_S = 3600;

/** The start of a UTC hour as epoch seconds (a multiple of 3600). */
export type EpochHour = number;

/** Whole hours [from, to) as epoch seconds. */
export interface HourSpan {
  from: EpochHour;
  to: EpochHour;
}

function checkHour(hour: number): EpochHour {
  if (!Number.isSafeInteger(hour) || hour % HOUR_S !== 0) {
    throw new StoreQueryError(`not the start of an hour in epoch seconds: ${hour}`, 'invalid_options');
  }
  return hour;
}

function epochSeconds(date: Date, name: string): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new StoreQueryError(`${name} is not a valid date`, 'invalid_options');
  return ms / 1000;
}

export const floorHour = (date: Date, name = 'hour'): EpochHour =>
  Math.floor(epochSeconds(date, name) / HOUR_S) * HOUR_S;

export const hourIso = (hour: EpochHour): string => new Date(checkHour(hour) * 1000).toISOString();

/** Sorted, merged spans covering exactly these hours. */
export function spansOf(hours: Iterable<EpochHour>): HourSpan[] {
  const sorted = [...new Set(hours)].map(checkHour).sort((a, b) => a - b);
  const spans: HourSpan[] = [];
  for (const hour of sorted) {
    const last = spans.at(-1);
    if (last && last.to === hour) last.to = hour + HOUR_S;
    else spans.push({ from: hour, to: hour + HOUR_S });
  }
  return spans;
}

/** The hours a scope names: every hour overlapping [from, to), or the listed hours. */
export function spansOfScope(scope: RollupScope): HourSpan[] {
  if ('hours' in scope) return spansOf(scope.hours.map((date) => floorHour(date)));
  const from = floorHour(scope.from, 'from');
  const to = Math.ceil(epochSeconds(scope.to, 'to') / HOUR_S) * HOUR_S;
  if (to <= from) throw new StoreQueryError('the range is empty: "to" must be after "from"', 'invalid_options');
  return [{ from, to }];
}

export const spanHours = (spans: readonly HourSpan[]): number =>
  spans.reduce((n, span) => n + (span.to - span.from) / HOUR_S, 0);

/**
 * A WHERE condition for `column` (a DateTime or DateTime64) inside the spans. Only integers reach the SQL, so it
 * is safe to inline; ClickHouse prunes partitions and the toDate(timestamp) key prefix with these ranges.
 */
export function timeFilter(column: string, spans: readonly HourSpan[]): string {
  if (spans.length === 0) throw new StoreQueryError('no hours to filter on', 'invalid_options');
  return spans
    .map(
      ({ from, to }) =>
        `(${column} >= toDateTime(${checkHour(from)}, 'UTC') AND ${column} < toDateTime(${checkHour(to)}, 'UTC'))`,
    )
    .join(' OR ');
}

/** Spans in groups of at most `size` (one statement each keeps the SQL small). */
export function chunkSpans(spans: readonly HourSpan[], size: number): HourSpan[][] {
  const chunks: HourSpan[][] = [];
  for (let i = 0; i < spans.length; i += size) chunks.push(spans.slice(i, i + size));
  return chunks;
}
