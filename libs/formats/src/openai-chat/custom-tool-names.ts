import { isRecord } from '../common/guards';
import type { Json } from '../wire-format';

/** Names of the custom (free-form) tools a Chat Completions request declares. */
export function customToolNames(request: Json): Set<string> {
  const names = new Set<string>();
  if (!Array.isArray(request.tools)) return names;
  for (const tool of request.tools as unknown[]) {
    if (isRecord(tool) && tool.type === 'custom' && isRecord(tool.custom) && typeof tool.custom.name === 'string') {
      names.add(tool.custom.name);
    }
  }
  return names;
}
