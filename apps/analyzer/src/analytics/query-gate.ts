/** Why the gate refused a request: its queue is full, or the request waited too long for a slot. */
export class GateBusyError extends Error {
  override readonly name = 'GateBusyError';
}

export interface GateLimits {
  maxConcurrent: number;
  maxQueued: number;
  queueTimeoutMs: number;
}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

/**
 * A bounded semaphore for analytics queries: `maxConcurrent` run, up to `maxQueued` wait in order, and a wait
 * longer than `queueTimeoutMs` is refused, so a burst of heavy queries cannot pile up behind the engine (and
 * behind ingestion sharing it) without limit.
 */
export class QueryGate {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly limits: GateLimits) {}

  /** Resolves with a release function once a slot is free; call it exactly when the work ends. */
  async acquire(): Promise<() => void> {
    if (this.running < this.limits.maxConcurrent) {
      this.running += 1;
      return this.releaser();
    }
    if (this.waiting.length >= this.limits.maxQueued) {
      throw new GateBusyError(
        `${this.running} analytics queries are running and ${this.waiting.length} waiting ` +
          `(analytics.max_concurrent ${this.limits.maxConcurrent}, analytics.max_queued ${this.limits.maxQueued})`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(
            new GateBusyError(
              `no analytics slot freed within ${this.limits.queueTimeoutMs / 1000} s (analytics.queue_timeout_s; ` +
                `${this.running} running, analytics.max_concurrent ${this.limits.maxConcurrent})`,
            ),
          );
        }, this.limits.queueTimeoutMs),
      };
      this.waiting.push(waiter);
    });
    return this.releaser();
  }

  /** Runs `work` in a slot. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) {
        clearTimeout(next.timer);
        next.grant(); // the slot passes to the next waiter: `running` is unchanged
      } else this.running -= 1;
    };
  }
}
