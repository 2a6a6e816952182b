import { asArray, asRecord, asString, safeStringify, type JsonRecord } from '../common/json';
import { MARK_TOOLS, type PromptSink, type ToolOverhead } from './prompt-sink.port';

const dropFinalDot = (s: string): string => (s.endsWith('.') ? s.slice(0, -1) : s);

function typeName(value: unknown): string {
  if (typeof value === 'string') return value;
  return asArray(value)
    .map((t) => (typeof t === 'string' ? t : ''))
    .join(',');
}

/**
 * One function definition per the cookbook: func_init + tokens("name:description"), then for a non-empty
 * `properties` prop_init + per property prop_key + tokens("key:type:description") (+ enum_init and, per item,
 * enum_item + tokens(item)). Nested schemas are not counted (as in the cookbook) but are hashed, so any schema
 * change breaks the predicted cache prefix. `func_end` is added once per tools list by the caller.
 */
export function renderFunctionTool(
  sink: PromptSink,
  fn: { name: string; description: string; parameters: JsonRecord | undefined },
  overhead: ToolOverhead,
  raw: unknown,
): void {
  const texts = [`${fn.name}:${dropFinalDot(fn.description)}`];
  let constant = overhead.funcInit;
  const properties = asRecord(fn.parameters?.properties);
  const keys = properties ? Object.keys(properties) : [];
  if (properties && keys.length > 0) {
    constant += overhead.propInit;
    for (const key of keys) {
      const prop = asRecord(properties[key]) ?? {};
      constant += overhead.propKey;
      const items = prop.enum;
      if (Array.isArray(items)) {
        constant += overhead.enumInit;
        for (const item of items) {
          constant += overhead.enumItem;
          texts.push(typeof item === 'string' ? item : safeStringify(item));
        }
      }
      texts.push(`${key}:${typeName(prop.type)}:${dropFinalDot(asString(prop.description) ?? '')}`);
    }
  }
  // enum_init is negative but every property adds prop_key first, so the sum is never below func_init.
  sink.marker(Math.max(0, constant), MARK_TOOLS);
  for (const text of texts) sink.text(text);
  sink.digest(safeStringify(raw));
}
