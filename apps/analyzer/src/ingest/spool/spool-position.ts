/** A byte position in the spool: segment number and offset inside that segment's file. */
export interface SpoolPosition {
  readonly segment: number;
  readonly offset: number;
}

export function comparePositions(a: SpoolPosition, b: SpoolPosition): number {
  return a.segment - b.segment || a.offset - b.offset;
}

export const maxPosition = (a: SpoolPosition, b: SpoolPosition): SpoolPosition => (comparePositions(a, b) >= 0 ? a : b);

const SEGMENT_NAME = /^(\d{12})\.jsonl$/;

/** Zero-padded so a directory listing sorts in append order. */
export const segmentFileName = (segment: number): string => `${String(segment).padStart(12, '0')}.jsonl`;

export function parseSegmentFileName(name: string): number | null {
  const match = SEGMENT_NAME.exec(name);
  return match ? Number(match[1]) : null;
}
