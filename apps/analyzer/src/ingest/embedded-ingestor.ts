import type { AppLogger, CallEvent, CallEventBus } from '@lessllm/shared';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { registerEmbeddedIngestMetrics } from '../observability/embedded-ingest-metrics';
import { MemoryCallQueue, type CallQueue } from './call-queue';
import type { IngestService } from './ingest.service';
import { CallSpool, type CallSpoolOptions, type CallSpoolStats } from './spool/call-spool';
import { SpooledCallQueue } from './spool/spooled-call-queue';

export interface EmbeddedIngestorOptions {
  batchSize: number;
  maxWaitMs: number;
  /**
   * Events held in memory. Without a spool: while the store is failing, beyond it the oldest are dropped, counted
   * and logged. With one: memory is only a cache in front of the spool (what it lets go is read back from disk).
   */
  bufferLimit?: number;
  logger: AppLogger;
  /** An open spool: every event is appended to it first, and what a previous run did not store is replayed. */
  spool?: CallSpool;
}

export interface EmbeddedIngestorStats {
  ingested: number;
  dropped: number;
  failedWrites: number;
  /** Events in memory (with a spool, more may wait on disk: see spool.bytes). */
  buffered: number;
  /** Events stored from the spool rather than from memory (replayed after a restart, or read back). */
  replayed: number;
  spool: CallSpoolStats | null;
}

/**
 * Embedded mode's analyzer loop: takes events from the in-process bus and writes them in batches (by size or
 * after maxWaitMs). A single pump writes one batch at a time and removes events only after the store has them;
 * while the store fails it keeps them (bounded) and retries with backoff. With a spool, events are on disk before
 * they are queued and the spool's checkpoint moves only once the store has them, so a kill -9 loses only what was
 * not yet written to the spool file (see SpoolWriter).
 */
export class EmbeddedIngestor {
  private readonly queue: CallQueue;
  private timer: NodeJS.Timeout | null = null;
  private pump: Promise<void> | null = null;
  private draining = false;
  private closed = false;
  private unsubscribe: (() => void) | null = null;
  private readonly counters = { ingested: 0, failedWrites: 0, afterClose: 0 };
  /** Cuts a retry backoff short when a drain starts (shutdown must not wait out a 30 s sleep). */
  private backoff = new AbortController();
  private pumpedOnce = false;

  /** Opens the spool (when configured) and starts replaying what a previous run left in it. */
  static async open(
    ingest: IngestService,
    options: Omit<EmbeddedIngestorOptions, 'spool'> & { spool?: Omit<CallSpoolOptions, 'logger'> },
  ): Promise<EmbeddedIngestor> {
    const spool = options.spool ? await CallSpool.open({ ...options.spool, logger: options.logger }) : undefined;
    return new EmbeddedIngestor(ingest, { ...options, spool });
  }

  constructor(
    private readonly ingest: IngestService,
    private readonly options: EmbeddedIngestorOptions,
  ) {
    const limit = options.bufferLimit ?? 100_000;
    this.queue = options.spool
      ? new SpooledCallQueue(options.spool, limit, options.logger, 2 * options.batchSize)
      : new MemoryCallQueue(limit, options.logger);
    if (this.queue.backlog()) this.start(); // the replay runs while new events flow
  }

  get spool(): CallSpool | null {
    return this.options.spool ?? null;
  }

  /** Its series (and the spool's) on a Prometheus registry, /metrics in all-in-one mode. */
  registerMetrics(registry: Registry): void {
    registerEmbeddedIngestMetrics(registry, () => this.stats(), this.spool);
  }

  /** Takes events from a bus's subscribers' turn (a later turn of the event loop). */
  attach(bus: CallEventBus): void {
    this.unsubscribe = bus.subscribe((event) => this.enqueue(event));
  }

  /**
   * A bus for the gateway that takes each event in the very callback that publishes it (right after the answer
   * is sent), then hands it on to `bus`'s subscribers. With a spool, the event is in the file at the end of that
   * callback: no turn of the event loop (where a long task could run) between an answer and its record.
   */
  intercept(bus: CallEventBus): CallEventBus {
    return {
      publish: (event) => {
        try {
          this.enqueue(event);
        } catch (err) {
          // The answer is already sent: never let recording fail the call.
          this.options.logger.error({ err, request_id: event.request_id }, 'recording a call event failed');
        }
        bus.publish(event);
      },
      subscribe: (handler) => bus.subscribe(handler),
      close: () => bus.close(),
      ...(bus.stats ? { stats: () => bus.stats!() } : {}),
    };
  }

  stats(): EmbeddedIngestorStats {
    const queue = this.queue;
    return {
      ingested: this.counters.ingested,
      dropped: queue.dropped + this.counters.afterClose,
      failedWrites: this.counters.failedWrites,
      buffered: queue.buffered,
      replayed: queue instanceof SpooledCallQueue ? queue.replayed : 0,
      spool: this.options.spool?.stats() ?? null,
    };
  }

  enqueue(event: CallEvent): void {
    if (this.closed) {
      this.counters.afterClose++;
      this.options.logger.error({ request_id: event.request_id }, 'call event after shutdown: not recorded');
      return;
    }
    this.queue.push(event);
    if (this.queue.buffered >= this.options.batchSize || this.queue.backlog()) this.start();
    else if (!this.timer && !this.pump) this.timer = setTimeout(() => this.start(), this.options.maxWaitMs);
  }

  /** Writes everything queued (spool backlog included); gives up (keeping the events) after a few failed attempts. */
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
    // Events published before this call reach the subscriber on a later turn: take them first.
    await new Promise((resolve) => setImmediate(resolve));
    this.unsubscribe?.();
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const left = this.queue.buffered;
    const backlog = this.queue.backlog();
    const spool = this.options.spool;
    if (spool) {
      await spool.close();
      if (left > 0 || backlog) {
        this.options.logger.warn(
          { buffered: left, spoolBytes: spool.backlogBytes() },
          'shutting down with call records the store did not take: kept in the spool, stored at the next start',
        );
      }
    } else if (left > 0) {
      this.options.logger.error(
        { lost: left },
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
      const waiting = this.queue.buffered > 0 || this.queue.backlog();
      if (waiting && !this.closed) this.timer ??= setTimeout(() => this.start(), this.options.maxWaitMs);
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.queue.buffered > 0 || this.queue.backlog()) {
      const backlog = this.queue.backlog();
      // Outside a drain, a partial batch waits for more events or the timer (a backlog on disk never waits).
      const partial = this.queue.buffered < this.options.batchSize;
      if (!this.draining && failures === 0 && !backlog && partial && this.pumpedOnce) break;
      this.pumpedOnce = true;
      let batch;
      try {
        batch = await this.queue.peek(this.options.batchSize);
        if (batch.events.length === 0) {
          // A torn line or a segment end skipped, or nothing readable yet (still being written).
          if (await this.queue.commit(batch)) continue;
          break;
        }
        // A retry after a failed write may follow a partial one; a replay, a killed run's: the store heals them.
        const redelivered = failures > 0 ? batch.events.map((event) => event.request_id) : batch.redelivered;
        const { duplicates } = await this.ingest.ingest(
          batch.events,
          redelivered?.length ? { redelivered } : undefined,
        );
        await this.queue.commit(batch, duplicates);
        this.counters.ingested += batch.events.length;
        failures = 0;
      } catch (err) {
        if (batch) this.queue.release(batch);
        failures++;
        this.counters.failedWrites++;
        this.options.logger.warn(
          { err: (err as Error).message, buffered: this.queue.buffered, attempt: failures },
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
}
