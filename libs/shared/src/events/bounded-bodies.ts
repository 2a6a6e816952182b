import type { CallEvent } from './call-event';

/**
 * Keeping call records bounded: a body larger than the budget is replaced by a copy whose long strings are cut
 * (`…[+N chars]`), so it stays valid JSON of the same shape (messages, roles, tool names) and analytics can still
 * read it; only when its structure alone is too large does it become a marker object. Sizes are in characters of
 * the JSON text (≈ bytes for ASCII); the bus checks real bytes before it publishes.
 */

/** What a body too large even without its strings is recorded as. */
export interface TruncatedBodyMarker {
  lessllm_truncated: true;
  /** Characters of the original JSON text, as far as it was measured. */
  original_chars: number;
  reason: string;
}

/** Containers deeper than this are not walked: such a body is recorded as a marker (it cannot be serialised safely). */
const MAX_WALK_DEPTH = 1_000;
const CUT_SUFFIX_CHARS = 24; // room for `…[+123456789 chars]`

/** Characters of a number, boolean or null in JSON (anything else is not JSON: counted as `null`). */
function primitiveChars(value: unknown): number {
  return typeof value === 'number' || typeof value === 'boolean' ? String(value).length : 4;
}

interface Shape {
  /** Characters of the JSON text without its string values' contents. */
  structure: number;
  /** Lengths of every string value (keys are counted in `structure`). */
  strings: number[];
  tooDeep: boolean;
}

function measure(value: unknown): Shape {
  const shape: Shape = { structure: 0, strings: [], tooDeep: false };
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (typeof node === 'string') {
      shape.strings.push(node.length);
      shape.structure += 2;
    } else if (node === null || typeof node !== 'object') {
      shape.structure += primitiveChars(node);
    } else if (depth >= MAX_WALK_DEPTH) {
      shape.tooDeep = true;
      return shape;
    } else if (Array.isArray(node)) {
      shape.structure += 2 + node.length;
      for (const child of node) stack.push({ node: child, depth: depth + 1 });
    } else {
      shape.structure += 2;
      for (const key in node) {
        shape.structure += key.length + 4;
        stack.push({ node: (node as Record<string, unknown>)[key], depth: depth + 1 });
      }
    }
  }
  return shape;
}

/** The JSON size of `value` in characters, walking no further than needed to know it exceeds `limit`. */
export function jsonCharsAtMost(value: unknown, limit: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && total <= limit) {
    const node = stack.pop();
    if (typeof node === 'string') total += node.length + 2;
    else if (node === null || typeof node !== 'object') total += primitiveChars(node);
    else if (Array.isArray(node)) {
      total += 2 + node.length;
      for (const child of node) stack.push(child);
    } else {
      total += 2;
      for (const key in node) {
        total += key.length + 4;
        stack.push((node as Record<string, unknown>)[key]);
      }
    }
  }
  return total;
}

/** The largest per-string length that keeps the text within `budget` (binary search over the string lengths). */
function stringCap(shape: Shape, budget: number): number {
  const room = budget - shape.structure;
  const fits = (cap: number): boolean => {
    let total = 0;
    for (const len of shape.strings) total += len > cap ? cap + CUT_SUFFIX_CHARS : len;
    return total <= room;
  };
  let lo = 0;
  let hi = shape.strings.reduce((max, len) => Math.max(max, len), 0);
  if (fits(hi)) return hi;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function cutStrings(value: unknown, cap: number): unknown {
  if (typeof value === 'string') {
    return value.length > cap ? `${value.slice(0, cap)}…[+${value.length - cap} chars]` : value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => cutStrings(item, cap));
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = cutStrings((value as Record<string, unknown>)[key], cap);
  return out;
}

/** `value` itself when its JSON fits `budget` characters; otherwise a cut copy (or a marker) that does. */
export function truncateJson(value: unknown, budget: number): { value: unknown; cut: boolean; originalChars: number } {
  const shape = measure(value);
  const originalChars = shape.structure + shape.strings.reduce((sum, len) => sum + len, 0);
  if (shape.tooDeep) {
    const marker: TruncatedBodyMarker = {
      lessllm_truncated: true,
      original_chars: originalChars,
      reason: `nested deeper than ${MAX_WALK_DEPTH} levels`,
    };
    return { value: marker, cut: true, originalChars };
  }
  if (originalChars <= budget) return { value, cut: false, originalChars };
  if (shape.structure > budget / 2) {
    const marker: TruncatedBodyMarker = {
      lessllm_truncated: true,
      original_chars: originalChars,
      reason: `its structure alone is larger than ${budget} characters`,
    };
    return { value: marker, cut: true, originalChars };
  }
  return { value: cutStrings(value, stringCap(shape, budget)), cut: true, originalChars };
}

/** Sizes known to the caller of boundCallEvent (cheap to have: the raw body lengths), to skip measuring. */
export interface KnownBodySizes {
  request?: number;
  response?: number;
}

/**
 * The event with its request and response bodies within `budget` characters each. A body whose known size (or,
 * when unknown, measured size) is within budget is left as it is, untouched and unwalked beyond the budget.
 */
export function boundCallEvent(event: CallEvent, budget: number, known: KnownBodySizes = {}): CallEvent {
  const requestChars = known.request ?? jsonCharsAtMost(event.request, budget);
  const responseChars = known.response ?? jsonCharsAtMost(event.response, budget);
  if (requestChars <= budget && responseChars <= budget) return event;
  const truncated = { ...event.truncated };
  const bounded: CallEvent = { ...event };
  if (requestChars > budget) {
    const r = truncateJson(event.request, budget);
    if (r.cut) {
      bounded.request = r.value;
      truncated.request = Math.max(r.originalChars, requestChars, event.truncated?.request ?? 0);
    }
  }
  if (responseChars > budget) {
    const r = truncateJson(event.response, budget);
    if (r.cut) {
      bounded.response = r.value;
      truncated.response = Math.max(r.originalChars, responseChars, event.truncated?.response ?? 0);
    }
  }
  if (truncated.request !== undefined || truncated.response !== undefined) bounded.truncated = truncated;
  return bounded;
}
