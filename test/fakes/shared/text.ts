/** Deterministic text helpers shared by both fakes (token estimates, word chunking, JSON narrowing). */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * The fakes' token estimate: `ceil(chars / 4) + 3 * messages`.
 * OpenAI: chars = all message contents (strings + text parts), messages = messages.length.
 * Anthropic: chars also include the system prompt, tool definitions and tool blocks; the system prompt counts as a message.
 */
export function estimateTokens(chars: number, messages: number): number {
  return Math.ceil(chars / 4) + 3 * messages;
}

export function countWords(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11 || c === 0xa0;
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

/** Splits text into word chunks (each with its leading whitespace) such that `chunks.join('') === text`. */
export function splitWords(text: string): string[] {
  const chunks: string[] = text.match(/\s*\S+/g) ?? [];
  const joinedLength = chunks.reduce((n, c) => n + c.length, 0);
  if (joinedLength < text.length) {
    const tail = text.slice(joinedLength);
    if (chunks.length === 0) chunks.push(tail);
    else chunks[chunks.length - 1] += tail;
  }
  return chunks;
}

/** Keeps the first `max` words. */
export function truncateWords(text: string, max: number): string {
  return splitWords(text).slice(0, Math.max(0, max)).join('').trimEnd();
}

/** Splits a string into pieces of `size` characters (for streaming tool-call arguments). */
export function splitEvery(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Cuts `text` at the earliest stop sequence; returns the matched sequence, if any. */
export function applyStop(text: string, stops: readonly string[]): { text: string; matched: string | null } {
  let cut = -1;
  let matched: string | null = null;
  for (const stop of stops) {
    if (!stop) continue;
    const at = text.indexOf(stop);
    if (at !== -1 && (cut === -1 || at < cut)) {
      cut = at;
      matched = stop;
    }
  }
  return cut === -1 ? { text, matched: null } : { text: text.slice(0, cut), matched };
}

/** Masks a key the way OpenAI does in 401 messages: `sk-...wxyz`. Never returns the full key. */
export function maskKey(key: string): string {
  if (key.length <= 8) return '****';
  return `${key.slice(0, 3)}...${key.slice(-4)}`;
}

/** FNV-1a 32-bit hash. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
