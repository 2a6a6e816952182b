import { boundCallEvent, CALL_EVENT_VERSION, upgradeCallEvent, type CallEvent } from '@lessllm/shared';

export type DecodedCallEvent = { ok: true; event: CallEvent } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The wire payload: the CallEvent as UTF-8 JSON. */
export function encodeCallEvent(event: CallEvent): Uint8Array {
  return Buffer.from(JSON.stringify(event), 'utf8');
}

/** Room for the message's headers (Nats-Msg-Id) and protocol line within the server's max_payload. */
const HEADROOM_BYTES = 1024;

export type EncodedWithin =
  { ok: true; payload: Uint8Array; shrunk: boolean } | { ok: false; reason: string; payload: Uint8Array | null };

/**
 * The event as a payload of at most `maxBytes` (the server's max_payload): as it is when it fits; otherwise its
 * request and response bodies are cut ever shorter (and flagged in `truncated`) until it does, so the call keeps
 * its row. An event that cannot be serialised (a body nested too deep for JSON.stringify) loses its bodies.
 * Not ok only when even without bodies it is too large; `payload` is then that stripped form (for a dead letter).
 */
export function encodeCallEventWithin(event: CallEvent, maxBytes: number): EncodedWithin {
  const limit = maxBytes - HEADROOM_BYTES;
  let candidate = event;
  let payload: Uint8Array;
  try {
    payload = encodeCallEvent(candidate);
  } catch {
    candidate = withoutBodies(event, 'the body could not be serialised (nested too deep)');
    payload = encodeCallEvent(candidate);
  }
  if (payload.length <= limit) return { ok: true, payload, shrunk: candidate !== event };
  // Characters per body: a third of the room at first (JSON escapes and UTF-8 can make a character several bytes).
  for (let budget = Math.floor(limit / 3); budget >= 256; budget = Math.floor(budget / 4)) {
    payload = encodeCallEvent(boundCallEvent(candidate, budget));
    if (payload.length <= limit) return { ok: true, payload, shrunk: true };
  }
  const stripped = encodeCallEvent(withoutBodies(candidate, `larger than the bus's ${maxBytes}-byte messages`));
  if (stripped.length <= limit) return { ok: true, payload: stripped, shrunk: true };
  return {
    ok: false,
    reason: `larger than the bus's ${maxBytes}-byte messages even without its bodies`,
    payload: null,
  };
}

function withoutBodies(event: CallEvent, reason: string): CallEvent {
  const marker = (chars: number) => ({ lessllm_truncated: true, original_chars: chars, reason });
  return {
    ...event,
    request: marker(event.truncated?.request ?? -1),
    response: marker(event.truncated?.response ?? -1),
    usage_raw: null,
    truncated: { request: event.truncated?.request ?? -1, response: event.truncated?.response ?? -1 },
  };
}

/** Parses and checks the envelope (version, ids); the analyzer validates the rest when it builds rows. */
export function decodeCallEvent(data: Uint8Array): DecodedCallEvent {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return { ok: false, reason: 'payload is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'payload is not a JSON object' };
  }
  const record = value as Record<string, unknown>;
  if (record.version !== CALL_EVENT_VERSION && record.version !== 1) {
    return { ok: false, reason: `unsupported CallEvent version ${JSON.stringify(record.version ?? null)}` };
  }
  if (typeof record.request_id !== 'string' || record.request_id === '') {
    return { ok: false, reason: 'missing request_id' };
  }
  if (typeof record.timestamp !== 'string') return { ok: false, reason: 'missing timestamp' };
  // Version 1 events (still in a stream after an upgrade) are read as version 2.
  return { ok: true, event: upgradeCallEvent(record) };
}
