import { CALL_EVENT_VERSION, upgradeCallEvent, type CallEvent } from '@lessllm/shared';

export type DecodedCallEvent = { ok: true; event: CallEvent } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The wire payload: the CallEvent as UTF-8 JSON. */
export function encodeCallEvent(event: CallEvent): Uint8Array {
  return Buffer.from(JSON.stringify(event), 'utf8');
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
