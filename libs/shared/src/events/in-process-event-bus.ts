import type { CallEvent } from './call-event';
import type { CallEventBus } from './event-bus.port';

/** Embedded-mode bus: delivers each event to subscribers on a later tick, isolating their failures. */
export class InProcessEventBus implements CallEventBus {
  private readonly handlers = new Set<(event: CallEvent) => void | Promise<void>>();

  constructor(private readonly onHandlerError: (err: unknown) => void = () => undefined) {}

  publish(event: CallEvent): void {
    for (const handler of this.handlers) {
      setImmediate(() => {
        try {
          Promise.resolve(handler(event)).catch(this.onHandlerError);
        } catch (err) {
          this.onHandlerError(err);
        }
      });
    }
  }

  subscribe(handler: (event: CallEvent) => void | Promise<void>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  close(): Promise<void> {
    this.handlers.clear();
    return Promise.resolve();
  }
}
