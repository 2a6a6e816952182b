import { StoreQueryError } from './store-query-error';

export interface ResultLimits {
  maxRows: number;
  /** Bytes of JSON text held at most. */
  maxResultBytes: number;
}

const NEWLINE = 0x0a;
const COMMA = 0x2c;

/** "100 MiB", "512 KiB": limits in error messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

export function tooManyRows(maxRows: number): StoreQueryError {
  return new StoreQueryError(
    `the result has more than ${maxRows} rows (max rows ${maxRows}); add a LIMIT or aggregate further`,
    'too_many_rows',
  );
}

export function tooLarge(maxResultBytes: number): StoreQueryError {
  return new StoreQueryError(
    `the result is larger than ${formatBytes(maxResultBytes)} (max result size); select fewer columns, add a LIMIT or aggregate further`,
    'result_too_large',
  );
}

/**
 * Reads a JSONEachRow byte stream and enforces both limits as it goes. The engine enforces max_result_rows and
 * max_result_bytes too, but ClickHouse checks them per UNION branch and counts in-memory block bytes, not JSON
 * text; this bounds what this process holds.
 */
async function* limitedLines(chunks: AsyncIterable<Uint8Array>, limits: ResultLimits): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  let rows = 0;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    if (bytes > limits.maxResultBytes) throw tooLarge(limits.maxResultBytes);
    for (const byte of chunk) if (byte === NEWLINE) rows += 1;
    if (rows > limits.maxRows) throw tooManyRows(limits.maxRows);
    yield chunk;
  }
}

/** Parses a JSONEachRow stream into rows (for the small results of queryReadOnly). */
export async function collectJsonRows(
  chunks: AsyncIterable<Uint8Array>,
  limits: ResultLimits,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  const decoder = new TextDecoder();
  let pending = '';
  const take = (line: string): void => {
    if (line.trim() !== '') rows.push(JSON.parse(line) as Record<string, unknown>);
  };
  for await (const chunk of limitedLines(chunks, limits)) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(take);
  }
  take(pending + decoder.decode());
  return rows;
}

export interface JsonArrayResult {
  /** Pieces that concatenate to a JSON array of the rows, exactly as ClickHouse wrote them (never parsed). */
  body: Uint8Array[];
  rows: number;
  bytes: number;
}

/**
 * Turns a JSONEachRow stream into a JSON array without parsing it: JSONEachRow escapes newlines inside values,
 * so every raw newline ends a row and becomes a comma. Memory is the result's bytes (bounded), not an object
 * graph several times larger.
 */
export async function collectJsonArray(
  chunks: AsyncIterable<Uint8Array>,
  limits: ResultLimits,
): Promise<JsonArrayResult> {
  const body: Uint8Array[] = [Buffer.from('[')];
  let rows = 0;
  let bytes = 0;
  let lastByte = -1;
  for await (const chunk of limitedLines(chunks, limits)) {
    if (chunk.length === 0) continue;
    const copy = Buffer.from(chunk);
    for (let i = 0; i < copy.length; i += 1) {
      if (copy[i] === NEWLINE) {
        copy[i] = COMMA;
        rows += 1;
      }
    }
    body.push(copy);
    bytes += copy.length;
    lastByte = copy[copy.length - 1];
  }
  if (lastByte !== -1 && lastByte !== COMMA) rows += 1; // a last row without its newline
  const last = body[body.length - 1];
  if (lastByte === COMMA) body[body.length - 1] = last.subarray(0, last.length - 1);
  body.push(Buffer.from(']'));
  return { body, rows, bytes };
}
