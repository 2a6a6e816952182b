/** Text longer than this is sent in several deltas when a stored answer is replayed, as a provider would. */
export const TEXT_PIECE = 256;

export function textPieces(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += TEXT_PIECE) out.push(text.slice(i, i + TEXT_PIECE));
  return out;
}
