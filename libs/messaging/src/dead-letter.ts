import type { CallEvent } from '@lessllm/shared';

/** What lands on `lessllm.deadletter.calls`: the event (or the raw payload when it did not parse) and why. */
export interface DeadLetter {
  reason: string;
  /** The event, when the payload parsed; else `raw` holds the payload as text. */
  event?: CallEvent;
  raw?: string;
  /** Where it came from, for replay: the original subject, stream and stream sequence. */
  subject: string;
  stream: string;
  stream_seq: number;
  delivery_count: number;
  consumer: string;
  /** ISO-8601 UTC. */
  dead_lettered_at: string;
}

export function encodeDeadLetter(letter: DeadLetter): Uint8Array {
  return Buffer.from(JSON.stringify(letter), 'utf8');
}
