import type { Tiktoken, TiktokenBPE } from 'js-tiktoken/lite';

/** Something that turns text into token ids. */
export interface TextEncoderLike {
  encode(text: string): number[];
}

const utf8 = new TextEncoder();
const PIECE_CACHE_LIMIT = 100_000;
const MAX_CACHED_PIECE = 32;

/**
 * js-tiktoken's encoder with a faster byte-pair merge. js-tiktoken 1.0.21 re-joins every candidate pair on every
 * merge step (cubic in the piece length), which makes long words and CJK runs very slow (≈ 17 chars/ms on
 * Chinese text). This keeps js-tiktoken's rank table and split regex and merges like tiktoken's Rust
 * `_byte_pair_merge` (one pass to find the lowest rank, then only the two neighbouring pairs are re-ranked).
 * Same ids as `Tiktoken.encode(text, [], [])` (special-token text is encoded as plain text); a spec checks parity.
 * Falls back to js-tiktoken's own encode if its internal rank map is not where 1.0.21 keeps it.
 */
export class FastBpeEncoder implements TextEncoderLike {
  private readonly ranks: Map<string, number> | null;
  private readonly pattern: RegExp;
  /** Regex piece → ids. Words repeat a lot, so most pieces skip UTF-8 encoding and the rank lookup. */
  private readonly pieces = new Map<string, number | number[]>();

  constructor(
    private readonly tiktoken: Tiktoken,
    bpe: TiktokenBPE,
  ) {
    const internal = (tiktoken as unknown as { rankMap?: unknown }).rankMap;
    this.ranks = internal instanceof Map ? (internal as Map<string, number>) : null;
    this.pattern = new RegExp(bpe.pat_str, 'ug');
  }

  encode(text: string): number[] {
    const ranks = this.ranks;
    if (!ranks) return this.tiktoken.encode(text, [], []);
    const out: number[] = [];
    const cache = this.pieces;
    for (const match of text.matchAll(this.pattern)) {
      const piece = match[0];
      const cached = cache.get(piece);
      if (cached !== undefined) {
        if (typeof cached === 'number') out.push(cached);
        else for (let i = 0; i < cached.length; i++) out.push(cached[i]);
        continue;
      }
      const bytes = utf8.encode(piece);
      const whole = ranks.get(keyOf(bytes, 0, bytes.length));
      let ids: number | number[];
      if (whole !== undefined) {
        out.push(whole);
        ids = whole;
      } else {
        ids = [];
        mergePiece(bytes, ranks, ids);
        for (let i = 0; i < ids.length; i++) out.push(ids[i]);
      }
      if (piece.length <= MAX_CACHED_PIECE) {
        if (cache.size >= PIECE_CACHE_LIMIT) cache.clear();
        cache.set(piece, ids);
      }
    }
    return out;
  }
}

const BYTE_TEXT = Array.from({ length: 256 }, (_, i) => String(i));

/** js-tiktoken's rank-map key for bytes[from, to): decimal bytes joined by ',' (faster than TypedArray#join). */
function keyOf(bytes: Uint8Array, from: number, to: number): string {
  let key = BYTE_TEXT[bytes[from]];
  for (let i = from + 1; i < to; i++) key += ',' + BYTE_TEXT[bytes[i]];
  return key;
}

function rankOf(bytes: Uint8Array, from: number, to: number, ranks: Map<string, number>): number {
  return ranks.get(keyOf(bytes, from, to)) ?? Infinity;
}

function mergePiece(bytes: Uint8Array, ranks: Map<string, number>, out: number[]): void {
  const n = bytes.length;
  if (n === 1) {
    const id = ranks.get(BYTE_TEXT[bytes[0]]);
    if (id !== undefined) out.push(id);
    return;
  }
  // starts[i] = first byte of part i (sentinel n at the end); pair[i] = rank of parts i + i+1 merged.
  const starts: number[] = [];
  for (let i = 0; i <= n; i++) starts.push(i);
  const pair: number[] = [];
  for (let i = 0; i < n - 1; i++) pair.push(rankOf(bytes, i, i + 2, ranks));
  while (pair.length > 0) {
    let best = 0;
    for (let i = 1; i < pair.length; i++) if (pair[i] < pair[best]) best = i;
    if (pair[best] === Infinity) break;
    starts.splice(best + 1, 1);
    pair.splice(best, 1);
    if (best < pair.length) pair[best] = rankOf(bytes, starts[best], starts[best + 2], ranks);
    if (best > 0) pair[best - 1] = rankOf(bytes, starts[best - 1], starts[best + 1], ranks);
  }
  for (let i = 0; i + 1 < starts.length; i++) {
    const id = ranks.get(keyOf(bytes, starts[i], starts[i + 1]));
    if (id !== undefined) out.push(id);
  }
}
