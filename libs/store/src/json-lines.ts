import { StoreQueryError } from './store-query-error';

/**
 * Parses a JSONEachRow byte stream into rows, failing once more than `maxRows` arrive. The engine enforces
 * max_result_rows too, but ClickHouse checks it per UNION branch, so `SELECT ... UNION ALL SELECT ...` can
 * exceed it; this cap also bounds our memory.
 */
export async function collectJsonRows(
  chunks: AsyncIterable<Uint8Array>,
  maxRows: number,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  const decoder = new TextDecoder();
  let pending = '';
  const take = (line: string): void => {
    if (line.trim() === '') return;
    if (rows.length >= maxRows) {
      throw new StoreQueryError(
        `the result has more than ${maxRows} rows (maxRows); add a LIMIT or aggregate further`,
        'too_many_rows',
      );
    }
    rows.push(JSON.parse(line) as Record<string, unknown>);
  };
  for await (const chunk of chunks) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(take);
  }
  take(pending + decoder.decode());
  return rows;
}
