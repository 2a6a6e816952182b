import type { AppLogger, CallEvent, CallEventBus } from '@lessllm/shared';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IngestService } from './ingest.service';

export interface EmbeddedIngestorOptions {
  batchSize: number;
  maxWaitMs: number;
  /** Events held while the store is failing; beyond it the oldest are dropped, counted and logged. */
  bufferLimit?: number;
  logger: AppLogger;
}

/**
 * Embedded mode's analyzer loop: takes events from the in-process bus and writes them in batches (by size or
 * after maxWaitMs). A single pump writes one batch at a time and removes events only after the store has them;
 * while the store fails it keeps them (bounded) and retries with backoff.
 */
export class EmbeddedIngestor {
  private readonly queue: CallEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private pump: Promise<void> | null = null;
  private draining = false;
  private closed = false;
  private unsubscribe: (() => void) | null = null;
  private readonly counters = { ingested: 0, dropped: 0, failedWrites: 0 };
  private lastDropLog = 0;
  /** Cuts a retry backoff short when a drain starts (shutdown must not wait out a 30 s sleep). */
  private backoff = new AbortController();

  constructor(
    private readonly ingest: IngestService,
    private readonly options: EmbeddedIngestorOptions,
  ) {}

  attach(bus: CallEventBus): void {
    this.unsubscribe = bus.subscribe((event) => this.enqueue(event));
  }

  stats() {
    return { ...this.counters, buffered: this.queue.length };
  }

  enqueue(event: CallEvent): void {
    const limit = this.options.bufferLimit ?? 100_000;
    if (this.queue.length >= limit) {
      this.queue.shift();
      this.counters.dropped++;
      const now = Date.now();
      if (now - this.lastDropLog > 1000) {
        this.lastDropLog = now;
        this.options.logger.warn(
          { dropped: this.counters.dropped, limit },
          'call-record buffer full: dropping the oldest events',
        );
      }
    }
    this.queue.push(event);
    if (this.queue.length >= this.options.batchSize) this.start();
    else if (!this.timer && !this.pump) this.timer = setTimeout(() => this.start(), this.options.maxWaitMs);
  }

  /** Writes everything buffered; gives up (keeping the events) after a few failed attempts. */
  async flush(): Promise<void> {
    this.draining = true;
    this.backoff.abort();
    try {
      this.start();
      await this.pump;
    } finally {
      this.draining = false;
      this.backoff = new AbortController();
    }
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.queue.length > 0) {
      this.options.logger.error(
        { lost: this.queue.length },
        'shutting down with call records the store did not take: they are lost',
      );
    }
  }

  private start(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.pump ??= this.run().finally(() => {
      this.pump = null;
      // Events that arrived during the last write wait for the next size or time trigger.
      if (this.queue.length > 0 && !this.closed) this.timer ??= setTimeout(() => this.start(), this.options.maxWaitMs);
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.queue.length > 0) {
      // Outside a drain, a partial batch waits for more events or the timer.
      if (!this.draining && failures === 0 && this.queue.length < this.options.batchSize && this.pumpedOnce) break;
      this.pumpedOnce = true;
      const batch = this.queue.slice(0, this.options.batchSize);
      try {
        await this.ingest.ingest(batch);
        this.queue.splice(0, batch.length);
        this.counters.ingested += batch.length;
        failures = 0;
      } catch (err) {
        failures++;
        this.counters.failedWrites++;
        this.options.logger.warn(
          { err: (err as Error).message, buffered: this.queue.length, attempt: failures },
          'writing call records failed; will retry',
        );
        if (this.draining && failures >= 3) break;
        await sleep(Math.min(30_000, 100 * 2 ** Math.min(failures, 9)), undefined, {
          signal: this.backoff.signal,
        }).catch(() => undefined);
      }
    }
    this.pumpedOnce = false;
  }

  private pumpedOnce = false;
}
