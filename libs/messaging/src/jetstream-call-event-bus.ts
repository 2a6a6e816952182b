import type { AppLogger, CallEvent, CallEventBufferStats, CallEventBus } from '@lessllm/shared';
import { NatsError, type JetStreamClient, type NatsConnection } from 'nats';
import { encodeCallEventWithin } from './call-event-codec';
import { encodeDeadLetter } from './dead-letter';
import {
  CALLS_COMPLETED_SUBJECT,
  CALLS_DLQ_SUBJECT,
  ensureCallsStream,
  type CallsStreamOptions,
} from './jetstream-setup';
import { NatsLink } from './nats-link';
import { Notifier } from './notifier';
import { RingQueue } from './ring-queue';
import { errorMessage, jitteredBackoff, positiveInt } from './util';

export interface JetStreamCallEventBusOptions {
  /** NATS URL(s), e.g. nats://nats:4222. */
  servers: string | string[];
  logger: AppLogger;
  /** Events kept in memory while NATS is unreachable or slow; beyond it the oldest are dropped. Default 10,000. */
  bufferLimit?: number;
  /** Connection name shown by the NATS server. Default 'lessllm-gateway'. */
  name?: string;
  /** Subject events are published on. Default `lessllm.calls.completed`. */
  subject?: string;
  /** Stream settings ensured on every (re)connect; false leaves stream management to operators. */
  stream?: CallsStreamOptions | false;
  /** Publishes awaiting their PubAck at once (pipelining keeps order on one connection). Default 256. */
  maxInFlight?: number;
  /** How long to wait for one PubAck. Default 5,000 ms. */
  publishTimeoutMs?: number;
  /** Retry backoff after a failed batch: base and cap. Defaults 100 ms and 5,000 ms. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** close() publishes what it can within this, then gives up on the rest (logged). Default 5,000 ms. */
  closeTimeoutMs?: number;
  /** At most one "buffer full" warning per interval, with the running count. Default 1,000 ms. */
  dropLogIntervalMs?: number;
  reconnectTimeWaitMs?: number;
}

/** `buffered`: queued + in flight; `dropped`: buffer full (the oldest go first) or not serialisable. */
export interface CallEventBusStats extends CallEventBufferStats {
  /** Events JetStream acknowledged (stored, or recognised as a duplicate of one we stored). */
  published: number;
  /** Events published with their bodies cut to fit the server's message size (max_payload). */
  shrunk: number;
  /** Events the stream refused for good (too large even without bodies, or its max_msg_size): on the DLQ. */
  deadLettered: number;
}

/** nats.js / JetStream errors that no retry can fix: the message is too large for this server or stream. */
function isPermanentPublishError(err: unknown): boolean {
  if (err instanceof NatsError && err.code === 'MAX_PAYLOAD_EXCEEDED') return true;
  const apiCode = (err as { api_error?: { err_code?: number } } | null)?.api_error?.err_code;
  return apiCode === 10054 || /message size exceeds maximum|maximum payload/i.test(errorMessage(err));
}

/** The server's max_payload when known (nats-server's default is 1 MiB). */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** No ack for this long while events wait: the broker counts as stalled (readiness says degraded). */
const STALL_MS = 2_000;

interface Entry {
  event: CallEvent;
  /** Encoded lazily by the pump, so publish() costs the caller only a push. */
  payload: Uint8Array | null;
}

/**
 * Gateway-side CallEventBus on NATS JetStream. publish() only appends to a bounded in-memory queue; a
 * background pump sends it in order with msgID = request_id (JetStream de-duplicates the retries) and
 * removes an event only once its PubAck arrived. NATS being down, slow or missing the stream never
 * reaches the caller: events wait (bounded), and overflow drops the oldest, counted and logged.
 */
export class JetStreamCallEventBus implements CallEventBus {
  private readonly queue = new RingQueue<Entry>(1024);
  private inFlight = 0;
  private published = 0;
  private dropped = 0;
  private shrunk = 0;
  private deadLettered = 0;
  private closing = false;
  private stopped = false;
  private closePromise: Promise<void> | null = null;
  /** Wakes the pump: new events, or close. */
  private readonly queueWake = new Notifier();
  /** Wakes the pump: connected, disconnected, or close. */
  private readonly linkWake = new Notifier();
  /** Wakes close(): a batch finished or the queue emptied. */
  private readonly progress = new Notifier();
  private readonly link: NatsLink;
  private readonly bufferLimit: number;
  private readonly maxInFlight: number;
  private readonly subject: string;
  private js: { nc: NatsConnection; client: JetStreamClient } | null = null;
  private streamReady = false;
  /** Set while a batch waits for its PubAcks. */
  private onLinkDown: (() => void) | null = null;
  private pumpDone: Promise<void> = Promise.resolve();
  private lastDropLogAt = 0;
  /** When the queue last made progress (an ack) or was empty: how long events have waited without one. */
  private lastProgressAt = Date.now();
  private dropsSinceLog = 0;
  private dropLogTimer: NodeJS.Timeout | null = null;

  private constructor(private readonly opts: JetStreamCallEventBusOptions) {
    this.bufferLimit = positiveInt('bufferLimit', opts.bufferLimit ?? 10_000);
    // In flight ≤ half the buffer, so a full buffer always has a queued (not yet sent) oldest event to drop.
    this.maxInFlight = Math.max(1, Math.min(opts.maxInFlight ?? 256, Math.floor(this.bufferLimit / 2)));
    this.subject = opts.subject ?? CALLS_COMPLETED_SUBJECT;
    this.link = new NatsLink({
      servers: opts.servers,
      name: opts.name ?? 'lessllm-gateway',
      logger: opts.logger,
      reconnectTimeWaitMs: opts.reconnectTimeWaitMs,
      onChange: () => {
        this.streamReady = false;
        if (!this.link.connected) this.onLinkDown?.();
        this.linkWake.notify();
      },
    });
  }

  /** Returns at once, connected or not: while NATS is unreachable the bus buffers and keeps reconnecting. */
  static connect(opts: JetStreamCallEventBusOptions): Promise<JetStreamCallEventBus> {
    const bus = new JetStreamCallEventBus(opts);
    bus.link.start();
    bus.pumpDone = bus.pump();
    return Promise.resolve(bus);
  }

  publish(event: CallEvent): void {
    if (this.queue.length + this.inFlight === 0) this.lastProgressAt = Date.now();
    if (this.closing) {
      this.noteDrops(1);
      return;
    }
    let evicted = 0;
    while (this.queue.length + this.inFlight >= this.bufferLimit && this.queue.length > 0) {
      this.queue.shift();
      evicted++;
    }
    this.queue.pushBack({ event, payload: null });
    if (evicted > 0) this.noteDrops(evicted);
    this.queueWake.notify();
  }

  subscribe(): () => void {
    throw new Error(
      'JetStreamCallEventBus is publish-only: consume call events with JetStreamCallConsumer (durable pull consumer)',
    );
  }

  stats(): CallEventBusStats {
    const buffered = this.queue.length + this.inFlight;
    if (buffered === 0) this.lastProgressAt = Date.now();
    return {
      buffered,
      published: this.published,
      dropped: this.dropped,
      shrunk: this.shrunk,
      deadLettered: this.deadLettered,
      connected: this.link.connected,
      stalled: buffered > 0 && Date.now() - this.lastProgressAt > STALL_MS,
    };
  }

  close(): Promise<void> {
    this.closePromise ??= this.shutdown();
    return this.closePromise;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    this.queueWake.notify();
    const deadline = Date.now() + (this.opts.closeTimeoutMs ?? 5_000);
    while (this.stats().buffered > 0 && Date.now() < deadline) await this.progress.wait(deadline - Date.now());
    this.stopped = true;
    this.queueWake.notify();
    this.linkWake.notify();
    const left = this.stats().buffered;
    if (left > 0) this.opts.logger.error({ lost: left }, 'call event bus closed with events not published');
    // The link going down releases a batch still waiting for PubAcks (onLinkDown), so the pump ends promptly.
    await this.link.close();
    await this.pumpDone;
    if (this.dropLogTimer) clearTimeout(this.dropLogTimer);
    this.logDrops();
  }

  private async pump(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      if (this.queue.length === 0) {
        if (this.closing) this.progress.notify();
        await this.queueWake.wait();
        continue;
      }
      const js = this.jetstream();
      if (!js) {
        await this.linkWake.wait();
        continue;
      }
      let ok = false;
      try {
        if (!this.streamReady) await this.ensureStream(js.nc);
        ok = await this.sendBatch(js);
      } catch (err) {
        this.opts.logger.warn(
          { err: errorMessage(err), buffered: this.stats().buffered },
          'call event stream setup failed',
        );
      }
      this.progress.notify();
      if (ok) {
        failures = 0;
        continue;
      }
      failures++;
      // A reconnect (or close) cuts the wait short; new events do not.
      await this.linkWake.wait(jitteredBackoff(failures, this.opts.retryBaseMs ?? 100, this.opts.retryMaxMs ?? 5_000));
    }
  }

  /** The JetStream client of the current connection (nats.js reconnects keep the same one), or null when down. */
  private jetstream(): { nc: NatsConnection; client: JetStreamClient } | null {
    const nc = this.link.connection;
    if (!nc) return null;
    if (this.js?.nc !== nc) this.js = { nc, client: nc.jetstream({ timeout: this.opts.publishTimeoutMs ?? 5_000 }) };
    return this.js;
  }

  private async ensureStream(nc: NatsConnection): Promise<void> {
    if (this.opts.stream !== false) {
      const result = await ensureCallsStream(await nc.jetstreamManager(), this.opts.stream ?? {});
      for (const r of [result.calls, result.deadLetter]) {
        if (r.action !== 'unchanged') this.opts.logger.info({ stream: r.stream, action: r.action }, 'JetStream stream');
        if (r.immutableMismatches.length > 0) {
          this.opts.logger.warn(
            { stream: r.stream, settings: r.immutableMismatches },
            'stream settings differ; recreate it',
          );
        }
      }
    }
    this.streamReady = true;
  }

  /**
   * Sends up to maxInFlight events at once; true when all were acknowledged. Failed ones go back, in order, except
   * those no retry can fix (too large for the stream): they go to the dead-letter stream, so they never hold up
   * the events behind them.
   */
  private async sendBatch(js: { nc: NatsConnection; client: JetStreamClient }): Promise<boolean> {
    const { client } = js;
    const batch = this.queue.take(this.maxInFlight);
    this.inFlight = batch.length;
    const timeout = this.opts.publishTimeoutMs ?? 5_000;
    const maxPayload = js.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    const sent: Array<{ entry: Entry; acked: boolean; error?: unknown }> = [];
    const acks: Array<Promise<void>> = [];
    for (const entry of batch) {
      if (!entry.payload) {
        const encoded = encodeCallEventWithin(entry.event, maxPayload);
        if (!encoded.ok) {
          acks.push(this.deadLetterEvent(client, entry.event, encoded.reason));
          continue;
        }
        if (encoded.shrunk) this.shrunk++;
        entry.payload = encoded.payload;
      }
      const record: (typeof sent)[number] = { entry, acked: false };
      sent.push(record);
      acks.push(
        client.publish(this.subject, entry.payload, { msgID: entry.event.request_id, timeout }).then(
          () => void (record.acked = true),
          (err: unknown) => void (record.error = err),
        ),
      );
    }
    // nats.js does not fail pending requests on a disconnect; they would wait out the timeout. Stop waiting
    // when the link drops: unacked ones are retried after the reconnect (JetStream de-dups any that got through).
    const linkLost = new Promise<void>((resolve) => {
      this.onLinkDown = resolve;
      if (!this.link.connected) resolve(); // dropped while the stream was being ensured
    });
    await Promise.race([Promise.all(acks), linkLost]);
    this.onLinkDown = null;
    const retry: Entry[] = [];
    const refused: Array<Promise<void>> = [];
    let firstError: unknown;
    for (const record of sent) {
      if (record.acked) {
        this.published++;
        this.lastProgressAt = Date.now();
      } else if (record.error !== undefined && isPermanentPublishError(record.error)) {
        refused.push(this.deadLetterEvent(client, record.entry.event, errorMessage(record.error)));
      } else {
        retry.push(record.entry);
        firstError ??= record.error ?? new Error('NATS disconnected before the PubAck');
      }
    }
    await Promise.all(refused);
    this.inFlight = 0;
    this.queue.pushFront(retry);
    if (retry.length === 0) return true;
    // 503 = no responders: nobody stores lessllm.calls.* (stream deleted, or JetStream restarting).
    if (firstError instanceof NatsError && firstError.code === '503') this.streamReady = false;
    if (!this.stopped) {
      this.opts.logger.warn(
        { failed: retry.length, buffered: this.stats().buffered, err: errorMessage(firstError) },
        'call event publish failed, retrying',
      );
    }
    return false;
  }

  /**
   * An event the stream will never take, on the dead-letter stream without its bodies (they are what made it too
   * large), with the reason; counted and logged. Its call has no row until someone replays it.
   */
  private async deadLetterEvent(client: JetStreamClient, event: CallEvent, reason: string): Promise<void> {
    this.deadLettered++;
    const letter = encodeDeadLetter({
      reason: `not published: ${reason}`,
      event: { ...event, request: null, response: null, usage_raw: null },
      subject: this.subject,
      stream: '',
      stream_seq: 0,
      delivery_count: 0,
      consumer: 'gateway-publisher',
      dead_lettered_at: new Date().toISOString(),
    });
    try {
      await client.publish(CALLS_DLQ_SUBJECT, letter, { msgID: `publish:${event.request_id}` });
    } catch (err) {
      this.opts.logger.error({ request_id: event.request_id, err: errorMessage(err) }, 'dead-letter publish failed');
    }
    this.opts.logger.error({ request_id: event.request_id, reason }, 'call event refused by the stream: dead-lettered');
  }

  /** Counts drops; logs the first at once, then at most once per interval with the running count. */
  private noteDrops(n: number, bufferFull = true): void {
    this.dropped += n;
    if (!bufferFull) return;
    this.dropsSinceLog += n;
    const interval = this.opts.dropLogIntervalMs ?? 1_000;
    const wait = this.lastDropLogAt + interval - Date.now();
    if (wait <= 0) {
      this.logDrops();
    } else if (!this.dropLogTimer) {
      this.dropLogTimer = setTimeout(() => {
        this.dropLogTimer = null;
        this.logDrops();
      }, wait);
      this.dropLogTimer.unref();
    }
  }

  private logDrops(): void {
    if (this.dropsSinceLog === 0) return;
    this.opts.logger.warn(
      {
        dropped: this.dropsSinceLog,
        dropped_total: this.dropped,
        buffered: this.stats().buffered,
        buffer_limit: this.bufferLimit,
        connected: this.link.connected,
      },
      this.closing
        ? 'call event bus is closed: events dropped'
        : 'call event buffer full: dropped the oldest events (NATS unreachable or too slow)',
    );
    this.lastDropLogAt = Date.now();
    this.dropsSinceLog = 0;
  }
}
