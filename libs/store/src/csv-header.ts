/** Byte length of the first CSV record (the header) including its newline; quotes may hide newlines. */
export function csvHeaderLength(bytes: Uint8Array): number {
  const QUOTE = 0x22;
  const NEWLINE = 0x0a;
  let quoted = false;
  for (let i = 0; i < bytes.length; i += 1) {
    // UTF-8 continuation bytes are >= 0x80, so a byte scan cannot mistake them for '"' or '\n'.
    if (bytes[i] === QUOTE) quoted = !quoted;
    else if (bytes[i] === NEWLINE && !quoted) return i + 1;
  }
  return bytes.length;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i += 1) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/**
 * chDB's stream API formats every chunk as a complete output, so CSVWithNames repeats the header in each
 * chunk; keep the first one only.
 */
export async function* dropRepeatedCsvHeaders(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let header: Uint8Array | undefined;
  for await (const chunk of chunks) {
    if (!header) {
      header = chunk.slice(0, csvHeaderLength(chunk));
      yield chunk;
    } else {
      yield startsWith(chunk, header) ? chunk.subarray(header.length) : chunk;
    }
  }
}
