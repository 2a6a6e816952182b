import { isRecord } from './text';

/**
 * Builds tool-call arguments from a JSON schema: an object with the first required property (or the first property)
 * set to a plausible value (`"Paris"` for strings, the first enum value, 42 for numbers, true for booleans).
 */
export function sampleArguments(schema: unknown): Record<string, unknown> {
  if (!isRecord(schema)) return { location: 'Paris' };
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [];
  const key = required[0] ?? Object.keys(properties)[0];
  if (key === undefined) return {};
  return { [key]: sampleValue(properties[key]) };
}

function sampleValue(schema: unknown): unknown {
  if (!isRecord(schema)) return 'Paris';
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0] as unknown;
  const type = Array.isArray(schema.type) ? (schema.type[0] as unknown) : schema.type;
  switch (type) {
    case 'integer':
    case 'number':
      return 42;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return sampleArguments(schema);
    default:
      return 'Paris';
  }
}
