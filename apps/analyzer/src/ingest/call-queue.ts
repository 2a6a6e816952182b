import type { AppLogger, CallEvent } from '@lessllm/shared';

/** A batch taken from a queue: written to the store, then committed (or released when the write failed). */
export interface QueuedBatch {
  events: CallEvent[];
  /**
   * request_ids of `events` an earlier process may have written in part (a spool replay after a kill): the store
   * recomputes their hours of the rollup (see InsertCallsOptions.redelivered).
   */
  redelivered?: readonly string[];
}

/** Where the embedded ingestor takes its events from: memory alone, or memory in front of the spool. */
export interface CallQueue<B extends QueuedBatch = QueuedBatch> {
  push(event: CallEvent): void;
  /** Events held in memory. */
  readonly buffered: number;
  /** Events lost to the bounds, since start. */
  readonly dropped: number;
  /** Events wait outside memory (on disk: a replay after a restart, or what memory let go). */
  backlog(): boolean;
  /** The next batch, oldest first; it stays queued until commit. */
  peek(max: number): Promise<B>;
  /**
   * The store has the batch (`duplicates`: how many of its rows it had already). False when an empty batch moved
   * nothing (nothing to do for now).
   */
  commit(batch: B, duplicates?: number): Promise<boolean>;
  /** The store did not take the batch; it is retried. */
  release(batch: B): void;
}

const LOG_EVERY_MS = 1000;

/** Rate-limited warning for a bound that drops events (once a second at most). */
export function dropWarner(logger: AppLogger, message: string): (fields: object) => void {
  let last = 0;
  return (fields) => {
    const now = Date.now();
    if (now - last <= LOG_EVERY_MS) return;
    last = now;
    logger.warn(fields, message);
  };
}

/**
 * The queue without a spool: bounded by `limit` events; beyond it the oldest event not being written is dropped,
 * counted and logged. A kill loses all of it.
 */
export class MemoryCallQueue implements CallQueue {
  private readonly queue: CallEvent[] = [];
  /** Events at the head that are in a write now (never the ones dropped). */
  private inFlight = 0;
  private lost = 0;
  private readonly warn: (fields: object) => void;

  constructor(
    private readonly limit: number,
    logger: AppLogger,
  ) {
    this.warn = dropWarner(logger, 'call-record buffer full: dropping the oldest events');
  }

  get buffered(): number {
    return this.queue.length;
  }

  get dropped(): number {
    return this.lost;
  }

  push(event: CallEvent): void {
    if (this.queue.length >= this.limit) {
      this.lost++;
      this.warn({ dropped: this.lost, limit: this.limit });
      // Everything held is being written: the newcomer is the one that cannot be kept.
      if (this.inFlight >= this.queue.length) return;
      this.queue.splice(this.inFlight, 1);
    }
    this.queue.push(event);
  }

  backlog(): boolean {
    return false;
  }

  peek(max: number): Promise<QueuedBatch> {
    const events = this.queue.slice(0, max);
    this.inFlight = events.length;
    return Promise.resolve({ events });
  }

  commit(batch: QueuedBatch): Promise<boolean> {
    this.queue.splice(0, batch.events.length);
    this.inFlight = 0;
    return Promise.resolve(batch.events.length > 0);
  }

  release(): void {
    this.inFlight = 0;
  }
}
