import { isRecord } from './json';

type Json = Record<string, unknown>;

export const isJsonObject: (value: unknown) => value is Json = isRecord;

/**
 * The top-level fields of a request that can change the answer: `ignored` fields removed, null values dropped,
 * and values equal to the provider's default dropped (sending the default and omitting it are the same request).
 */
export function meaningfulFields(body: unknown, ignored: readonly string[], defaults: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(isJsonObject(body) ? body : {})) {
    if (value === null || value === undefined || ignored.includes(key)) continue;
    if (key in defaults && defaults[key] === value) continue;
    out[key] = value;
  }
  return out;
}

/** A message with null fields dropped and a content array of one plain text part written as a string. */
export function canonicalMessage(message: unknown, contentKey = 'content'): unknown {
  if (!isJsonObject(message)) return message;
  const out: Json = {};
  for (const [key, value] of Object.entries(message)) if (value !== null && value !== undefined) out[key] = value;
  if (out[contentKey] !== undefined) out[contentKey] = loneText(out[contentKey]);
  return out;
}

/** `[{type: 'text', text}]` (no cache_control or other extras) -> `text`; anything else unchanged. */
export function loneText(content: unknown, textTypes: readonly string[] = ['text']): unknown {
  if (!Array.isArray(content) || content.length !== 1) return content;
  const part: unknown = content[0];
  if (!isJsonObject(part) || !textTypes.includes(part.type as string) || typeof part.text !== 'string') return content;
  return Object.keys(part).length === 2 ? part.text : content;
}

/** Splits a canonical request into its messages and everything else (the semantic cache's view). */
export function splitMessages(
  canonical: Json,
  key = 'messages',
): { messages: Array<{ role: string; content?: unknown }>; params: Json } {
  const { [key]: messages, ...params } = canonical;
  return { messages: Array.isArray(messages) ? (messages as Array<{ role: string; content?: unknown }>) : [], params };
}
