import type { RoutingRole } from '@lessllm/shared';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function positiveInt(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : null;
}

/** Text of a content value in any format (string, array of text parts/blocks); tool inputs and results count. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') parts.push(part);
    else if (isObject(part)) {
      if (typeof part.text === 'string')
        parts.push(part.text); // text parts and blocks of every format
      else if (part.type === 'tool_use' && part.input !== undefined) parts.push(JSON.stringify(part.input));
      else if (part.type === 'tool_result') parts.push(contentText(part.content));
      // images, audio, files: no text to score
    }
  }
  return parts.join('\n');
}

export function routingRole(value: unknown): RoutingRole {
  switch (value) {
    case 'system':
    case 'developer':
      return 'system';
    case 'assistant':
      return 'assistant';
    case 'tool':
    case 'function':
      return 'tool';
    default:
      return 'user';
  }
}
