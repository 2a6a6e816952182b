import type { CallEvent } from './call-event';

/**
 * Where the gateway hands finished calls. `publish` never throws and never blocks the caller:
 * adapters buffer and report failures through their own metrics and logs.
 */
/** What a buffering adapter reports (health checks, metrics). */
export interface CallEventBufferStats {
  /** Events not yet acknowledged by the broker. */
  buffered: number;
  /** Events dropped because the buffer was full. */
  dropped: number;
  connected: boolean;
  /**
   * Events are waiting and none has been acknowledged for a while (~2 s): the broker is unreachable or not
   * answering even if the connection looks open (a blackholed server keeps its socket).
   */
  stalled?: boolean;
}

export interface CallEventBus {
  publish(event: CallEvent): void;
  subscribe(handler: (event: CallEvent) => void | Promise<void>): () => void;
  close(): Promise<void>;
  /** Buffering adapters only (JetStream); the in-process bus delivers synchronously and has none. */
  stats?(): CallEventBufferStats;
}

export const CALL_EVENT_BUS = Symbol('CALL_EVENT_BUS');
