/** Narrowing helpers for wire payloads, which are untrusted JSON whatever their declared type. */

export { isRecord } from './json';

/** Reads a field of a typed wire object without trusting its declared type. */
export function field(obj: object, key: string): unknown {
  return (obj as Record<string, unknown>)[key];
}

export function stringField(obj: object, key: string): string | undefined {
  const value = field(obj, key);
  return typeof value === 'string' ? value : undefined;
}

/** A token count: finite and non-negative, anything else counts as 0. */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/** Renders an arbitrary value for an error message. */
export function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
}
