/**
 * Request mutations for the fuzzer: each takes a valid request body and returns something a confused or hostile
 * client could send instead. Deterministic given the random source, so a failure is reproducible from its seed.
 */
export type Random = () => number;

export const pick = <T>(rand: Random, items: readonly T[]): T => items[Math.floor(rand() * items.length)];

type Json = unknown;

/** Strange values of every JSON type, and some that are not JSON-safe once parsed back. */
const ODD_VALUES: Json[] = [
  null,
  true,
  false,
  0,
  -1,
  1e308,
  -0,
  2 ** 53 + 1,
  0.1,
  '',
  ' ',
  'x'.repeat(70_000),
  '\u0000\u0001\u001f',
  '\ud800', // a lone surrogate
  '🤖'.repeat(500),
  '<script>alert(1)</script>',
  "'; DROP TABLE api_calls; --",
  '{{template}}',
  [],
  [null],
  [[[[]]]],
  {},
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
  { type: 'unknown-kind' },
];

/** Paths of every value in a JSON document (objects and arrays). */
function paths(value: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, Json>)) {
      const path = [...prefix, Array.isArray(value) ? Number(key) : key];
      out.push(path);
      paths(child, path, out);
    }
  }
  return out;
}

function parentOf(root: Json, path: Array<string | number>): Record<string | number, Json> | null {
  let node = root as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) {
    node = node[key] as Record<string | number, Json>;
    if (node === null || typeof node !== 'object') return null;
  }
  return node;
}

const clone = (value: Json): Json => JSON.parse(JSON.stringify(value)) as Json;

/** One structural mutation of a parsed body. */
export function mutateValue(rand: Random, body: Json): Json {
  const copy = clone(body);
  const all = paths(copy);
  if (all.length === 0) return pick(rand, ODD_VALUES);
  const path = pick(rand, all);
  const parent = parentOf(copy, path);
  if (!parent) return copy;
  const key = path[path.length - 1];
  switch (Math.floor(rand() * 7)) {
    case 0:
      delete parent[key];
      break;
    case 1:
      parent[key] = pick(rand, ODD_VALUES);
      break;
    case 2:
      parent[`x_unknown_${Math.floor(rand() * 1000)}`] = pick(rand, ODD_VALUES);
      break;
    case 3: // nest it a little deeper (within what is allowed)
      parent[key] = Array.from({ length: 1 + Math.floor(rand() * 50) }).reduce<Json>((v) => [v], parent[key]);
      break;
    case 4:
      parent[key] = Array.from({ length: 1 + Math.floor(rand() * 200) }, () => clone(parent[key] ?? null));
      break;
    case 5:
      parent[key] = typeof parent[key] === 'string' ? Number.NaN : String(JSON.stringify(parent[key]));
      break;
    default:
      parent[key] = { nested: parent[key], role: pick(rand, ['system', 'robot', '', 'developer', 'tool']) };
  }
  return copy;
}

/** Mutations of the JSON text itself: what a broken serializer or a truncating proxy produces. */
export function mutateText(rand: Random, text: string): string {
  switch (Math.floor(rand() * 10)) {
    case 8:
      return text.replace('{', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},');
    case 0:
      return text.slice(0, Math.floor(rand() * text.length)); // cut short
    case 1:
      return `\ufeff${text}`; // byte order mark
    case 2:
      return text.replace(/"model"/, '"model":"a","model"'); // duplicate key (first value lost)
    case 3:
      return `${text}${text}`; // two documents
    case 4:
      return text.replace(/:/, ': NaN, "z":'); // not JSON
    case 5: // deeper than limits.json_depth, inside a field the schemas let through (JSON.stringify cannot build it)
      return text.replace('{', `{"x_deep":${'['.repeat(5_000)}${']'.repeat(5_000)},`);
    case 6:
      return text.replace(/"/g, "'");
    case 7:
      return '';
    default:
      return text.replace(/[a-z]/g, (c) => (rand() < 0.01 ? '\\u0000' : c));
  }
}
