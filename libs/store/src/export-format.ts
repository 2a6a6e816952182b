import type { ExportFormat } from '@lessllm/shared';
import type { ClickHouseOutputFormat } from './sql-executor';
import { StoreQueryError } from './store-query-error';

/** ClickHouse writes all three natively (Parquet included), so no JS encoder is needed. */
const CLICKHOUSE_FORMAT: Record<ExportFormat, ClickHouseOutputFormat> = {
  parquet: 'Parquet',
  csv: 'CSVWithNames',
  jsonl: 'JSONEachRow',
};

export function clickHouseFormatFor(format: ExportFormat): ClickHouseOutputFormat {
  const mapped = CLICKHOUSE_FORMAT[format] as ClickHouseOutputFormat | undefined;
  if (!mapped) {
    throw new StoreQueryError(
      `unknown export format "${String(format)}" (use parquet, csv or jsonl)`,
      'invalid_options',
    );
  }
  return mapped;
}
