import type { CallEvent } from './call-event';

/**
 * Where the gateway hands finished calls. `publish` never throws and never blocks the caller:
 * adapters buffer and report failures through their own metrics and logs.
 */
export interface CallEventBus {
  publish(event: CallEvent): void;
  subscribe(handler: (event: CallEvent) => void | Promise<void>): () => void;
  close(): Promise<void>;
}

export const CALL_EVENT_BUS = Symbol('CALL_EVENT_BUS');
