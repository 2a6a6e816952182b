import { isRecord } from '../common/guards';

type Json = Record<string, unknown>;

/**
 * Namespace tools (`{type: "namespace", name, tools: [...]}`, which Codex sends) group tools whose calls carry a
 * `namespace`. Formats without namespaces get each inner tool under one flat name, `<namespace>__<name>` (within
 * every provider's name alphabet), and the caller gets its namespace back on the calls.
 */
export const NAMESPACE_SEPARATOR = '__';

export function flatToolName(namespace: string, name: string): string {
  return `${namespace}${NAMESPACE_SEPARATOR}${name}`;
}

/** Flat name -> namespace and inner name, for the namespaced tools a Responses request declares. */
export function namespacedTools(request: Json): Map<string, { namespace: string; name: string }> {
  const out = new Map<string, { namespace: string; name: string }>();
  for (const tool of Array.isArray(request.tools) ? (request.tools as unknown[]) : []) {
    if (!isRecord(tool) || tool.type !== 'namespace' || typeof tool.name !== 'string' || !Array.isArray(tool.tools))
      continue;
    for (const inner of tool.tools as unknown[]) {
      if (isRecord(inner) && typeof inner.name === 'string')
        out.set(flatToolName(tool.name, inner.name), { namespace: tool.name, name: inner.name });
    }
  }
  return out;
}
