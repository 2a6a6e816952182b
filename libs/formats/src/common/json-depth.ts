import { GatewayError } from '@lessllm/shared';

/** The nesting limit when none is configured (`limits.json_depth`). */
export const DEFAULT_JSON_DEPTH = 256;

/** Where a value sits in a body, as callers name fields: `tools[0].function.parameters`. */
function pathOf(keys: ReadonlyArray<string | number>): string {
  let out = '';
  for (const key of keys) out += typeof key === 'number' ? `[${key}]` : out ? `.${key}` : key;
  return out;
}

/**
 * Refuses JSON nested deeper than `limit` (objects and arrays) with a 400 naming the field where it goes too deep.
 * Iterative, so the check itself cannot overflow the stack; everything after it (schemas, translation, canonical
 * forms, JSON.stringify of the record) is recursive and safe within the limit.
 */
export function assertJsonDepth(value: unknown, limit: number = DEFAULT_JSON_DEPTH): void {
  if (value === null || typeof value !== 'object') return;
  // Depth-first over containers only; each frame knows its path (built only when the limit is crossed).
  const stack: Array<{ node: object; depth: number; key: string | number; parent: number }> = [
    { node: value, depth: 1, key: '', parent: -1 },
  ];
  const frames: Array<{ key: string | number; parent: number }> = [];
  while (stack.length > 0) {
    const { node, depth, key, parent } = stack.pop()!;
    const self = frames.push({ key, parent }) - 1;
    if (depth > limit) {
      const keys: Array<string | number> = [];
      for (let i = self; i > 0; i = frames[i].parent) keys.unshift(frames[i].key);
      const field = pathOf(keys) || 'body';
      throw new GatewayError(
        'invalid_request',
        `Invalid value for '${field}': JSON nested deeper than ${limit} levels (limits.json_depth).`,
        field,
        'invalid_value',
      );
    }
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) {
        const child: unknown = node[i];
        if (child !== null && typeof child === 'object')
          stack.push({ node: child, depth: depth + 1, key: i, parent: self });
      }
    } else {
      for (const k in node) {
        const child: unknown = (node as Record<string, unknown>)[k];
        if (child !== null && typeof child === 'object')
          stack.push({ node: child, depth: depth + 1, key: k, parent: self });
      }
    }
  }
}
