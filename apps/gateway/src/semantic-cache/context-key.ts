import { createHash } from 'node:crypto';

export interface ChatMessageLike {
  role: string;
  content?: unknown;
  [key: string]: unknown;
}

/** What the semantic cache needs from a chat request (provider-neutral). */
export interface SemanticRequest {
  tenant: string;
  /** The alias/model the caller asked for. */
  model: string;
  messages: ChatMessageLike[];
  /** Every other request field (temperature, tools, tool_choice, response_format, system, ...). */
  params?: Record<string, unknown>;
}

export interface SplitRequest {
  /** Hash of everything except the last user turn (tenant, model, params, earlier messages, embedder). */
  contextHash: string;
  /** Text of the last user turn, compared by embedding similarity. */
  lastTurn: string;
}

/** Params that change the transport but not the answer. */
const IGNORED_PARAMS = new Set(['messages', 'stream', 'stream_options']);

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort()
        .map((k) => [k, canonical(obj[k])]),
    );
  }
  return value;
}

/** Text of a user message: a string, or an array made only of text parts; null for images/audio/files. */
export function userText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const parts: string[] = [];
  for (const part of content as unknown[]) {
    if (!part || typeof part !== 'object') return null;
    const p = part as { type?: unknown; text?: unknown };
    if (p.type !== 'text' || typeof p.text !== 'string') return null;
    parts.push(p.text);
  }
  return parts.join('\n');
}

/**
 * Splits a request into its exact context hash and last user turn. Returns null when the request is not
 * semantically cacheable: the last message is not a plain-text user turn, or the turn is blank.
 */
export function splitRequest(req: SemanticRequest, embedderId: string): SplitRequest | null {
  const last = req.messages[req.messages.length - 1];
  if (!last || last.role !== 'user') return null;
  const lastTurn = userText(last.content);
  if (lastTurn === null || lastTurn.trim() === '') return null;
  const { content: _content, ...lastMeta } = last;
  const params = Object.fromEntries(Object.entries(req.params ?? {}).filter(([k]) => !IGNORED_PARAMS.has(k)));
  const context = canonical({
    v: 1,
    embedder: embedderId,
    tenant: req.tenant,
    model: req.model,
    params,
    history: req.messages.slice(0, -1),
    lastMeta,
  });
  const contextHash = createHash('sha256').update(JSON.stringify(context)).digest('base64url').slice(0, 22);
  return { contextHash, lastTurn };
}
