import type { AppLogger, CallEvent } from '@lessllm/shared';
import type { Consumer, JetStreamClient, JsMsg, NatsConnection } from 'nats';
import { decodeCallEvent } from './call-event-codec';
import { encodeDeadLetter, type DeadLetter } from './dead-letter';
import {
  CALLS_DLQ_SUBJECT,
  CALLS_STREAM,
  CONSUMER_DEFAULTS,
  ensureCallsConsumer,
  ensureCallsStream,
  type CallsStreamOptions,
} from './jetstream-setup';
import { NatsLink } from './nats-link';
import { Notifier } from './notifier';
import { errorMessage, exponentialDelay, jitteredBackoff, positiveInt } from './util';

export interface CallBatchItem {
  event: CallEvent;
  /** 1 on the first delivery; more means JetStream redelivered it (handler failure, timeout, restart). */
  deliveryCount: number;
}

/** Resolve = every event of the batch is durably handled (e.g. the rows are in ClickHouse); reject = retry. */
export type CallBatchHandler = (events: CallBatchItem[]) => Promise<void>;

export interface JetStreamCallConsumerOptions {
  servers: string | string[];
  logger: AppLogger;
  handler: CallBatchHandler;
  /** Durable consumer name shared by all analyzer replicas. Default 'analyzer'. */
  durable?: string;
  /** Max events per handler call. Default 500. */
  batchSize?: number;
  /** How long a fetch waits to fill a batch. Default 1,000 ms (nats.js minimum: 1,000). */
  maxWaitMs?: number;
  /** Redelivery timeout of an unacked message. Default 30,000 ms. */
  ackWaitMs?: number;
  /** Deliveries before a failing event is dead-lettered. Default 5. */
  maxDeliver?: number;
  /** Unacked messages allowed across all replicas. Default 20,000. */
  maxAckPending?: number;
  /** Nak delay after a failed batch: base × 2^(delivery−1), capped. Defaults 1,000 ms and 60,000 ms. */
  nakDelayMs?: number;
  maxNakDelayMs?: number;
  /**
   * Errors for which retrying is always right (store down): naked with backoff but never dead-lettered,
   * however many deliveries. Default: none, every failure counts toward maxDeliver.
   */
  isRetryable?: (err: unknown) => boolean;
  /** Stream settings ensured at (re)connect; false leaves stream management to operators. */
  stream?: CallsStreamOptions | false;
  /** Connection name shown by the NATS server. Default 'lessllm-analyzer'. */
  name?: string;
  /** stop() waits this long for the batch in progress. Default 30,000 ms. */
  stopTimeoutMs?: number;
  reconnectTimeWaitMs?: number;
}

export interface CallConsumerStats {
  /** Events acked after the handler resolved. */
  processed: number;
  /** Events published to the dead-letter stream (malformed, or failed maxDeliver times). */
  deadLettered: number;
  /** Deliveries received that were redeliveries (deliveryCount > 1). */
  redelivered: number;
  /** Handler calls that rejected. */
  failedBatches: number;
  connected: boolean;
}

interface Delivery {
  msg: JsMsg;
  event: CallEvent;
  deliveryCount: number;
}

type Outcome = { ok: true } | { ok: false; error: unknown };

const MIN_FETCH_EXPIRES_MS = 1_000;

/**
 * Analyzer-side consumer: a durable pull consumer on LESSLLM_CALLS that any number of replicas share
 * (JetStream hands each message to one fetcher at a time). One batch at a time per instance: the next
 * fetch waits for the handler, so a slow store slows intake instead of growing memory. Messages are
 * acked only after the handler resolved; failures are naked with backoff and dead-lettered after
 * maxDeliver deliveries. At-least-once: a restart can redeliver a batch, the store must be idempotent.
 */
export class JetStreamCallConsumer {
  private readonly link: NatsLink;
  private readonly wake = new Notifier();
  private readonly durable: string;
  private readonly batchSize: number;
  private readonly maxWaitMs: number;
  private readonly ackWaitMs: number;
  private readonly maxDeliver: number;
  private stopping = false;
  private stopPromise: Promise<void> | null = null;
  private loop: Promise<void> = Promise.resolve();
  private current: { nc: NatsConnection; js: JetStreamClient; consumer: Consumer } | null = null;
  private fetching: { stop(): void } | null = null;
  private readonly counters = { processed: 0, deadLettered: 0, redelivered: 0, failedBatches: 0 };

  private constructor(private readonly opts: JetStreamCallConsumerOptions) {
    this.durable = opts.durable ?? CONSUMER_DEFAULTS.durable;
    this.batchSize = positiveInt('batchSize', opts.batchSize ?? 500);
    this.maxWaitMs = Math.max(MIN_FETCH_EXPIRES_MS, opts.maxWaitMs ?? 1_000);
    this.ackWaitMs = positiveInt('ackWaitMs', opts.ackWaitMs ?? CONSUMER_DEFAULTS.ackWaitMs);
    this.maxDeliver = positiveInt('maxDeliver', opts.maxDeliver ?? CONSUMER_DEFAULTS.maxDeliver);
    this.link = new NatsLink({
      servers: opts.servers,
      name: opts.name ?? 'lessllm-analyzer',
      logger: opts.logger,
      reconnectTimeWaitMs: opts.reconnectTimeWaitMs,
      onChange: () => this.wake.notify(),
    });
  }

  /** Starts consuming in the background and returns at once; NATS may be down, the loop waits and reconnects. */
  static start(opts: JetStreamCallConsumerOptions): Promise<JetStreamCallConsumer> {
    const consumer = new JetStreamCallConsumer(opts);
    consumer.link.start();
    consumer.loop = consumer.run();
    return Promise.resolve(consumer);
  }

  stats(): CallConsumerStats {
    return { ...this.counters, connected: this.link.connected };
  }

  /** Messages of the durable consumer not yet acknowledged (waiting + in flight); null while disconnected. */
  async pending(): Promise<number | null> {
    if (!this.current) return null;
    const info = await this.current.consumer.info();
    return info.num_pending + info.num_ack_pending;
  }

  /** Ends the current fetch, lets the batch in progress finish (and ack), then drains the connection. */
  stop(): Promise<void> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.fetching?.stop();
    this.wake.notify();
    const timeoutMs = this.opts.stopTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    const gaveUp = await Promise.race([this.loop.then(() => false), timedOut]);
    clearTimeout(timer);
    // Unacked messages of an unfinished batch come back to another replica after ack_wait.
    if (gaveUp) this.opts.logger.warn({ timeoutMs }, 'call consumer stopped before its batch finished');
    await this.link.close();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const nc = this.link.connection;
      if (!nc) {
        await this.wake.wait();
        continue;
      }
      try {
        const consumer = await this.ready(nc);
        const { msgs, error } = await this.fetch(consumer);
        if (msgs.length > 0) await this.process(msgs);
        if (error !== undefined) throw error instanceof Error ? error : new Error(errorMessage(error));
        failures = 0;
      } catch (err) {
        if (this.stopping) break;
        failures++;
        this.current = null;
        this.opts.logger.warn({ err: errorMessage(err), attempt: failures }, 'call consumer fetch failed, retrying');
        await this.wake.wait(jitteredBackoff(failures, 200, 5_000));
      }
    }
  }

  /** Stream and durable consumer, ensured once per connection (a restarted server without its store needs both). */
  private async ready(nc: NatsConnection): Promise<Consumer> {
    if (this.current?.nc === nc) return this.current.consumer;
    const jsm = await nc.jetstreamManager();
    if (this.opts.stream !== false) await ensureCallsStream(jsm, this.opts.stream ?? {});
    const action = await ensureCallsConsumer(jsm, {
      durable: this.durable,
      ackWaitMs: this.ackWaitMs,
      maxAckPending: this.opts.maxAckPending,
    });
    if (action !== 'unchanged') this.opts.logger.info({ durable: this.durable, action }, 'JetStream consumer');
    const js = nc.jetstream();
    const consumer = await js.consumers.get(CALLS_STREAM, this.durable);
    this.current = { nc, js, consumer };
    return consumer;
  }

  /** One pull: up to batchSize messages, ending early when full, else after maxWaitMs. */
  private async fetch(consumer: Consumer): Promise<{ msgs: JsMsg[]; error?: unknown }> {
    const msgs: JsMsg[] = [];
    const iter = await consumer.fetch({ max_messages: this.batchSize, expires: this.maxWaitMs });
    this.fetching = iter;
    if (this.stopping) iter.stop(); // stop() came while this pull was being set up
    try {
      for await (const msg of iter) msgs.push(msg);
      return { msgs };
    } catch (error) {
      // Messages received before the error are ours (unacked): process them rather than wait for ack_wait.
      return { msgs, error };
    } finally {
      this.fetching = null;
    }
  }

  private async process(msgs: JsMsg[]): Promise<void> {
    if (this.stopping) {
      // Fetched while stopping: hand them straight back so another replica takes them now.
      for (const msg of msgs) msg.nak();
      return;
    }
    const deliveries: Delivery[] = [];
    for (const msg of msgs) {
      const deliveryCount = msg.info.redeliveryCount;
      if (deliveryCount > 1) this.counters.redelivered++;
      const decoded = decodeCallEvent(msg.data);
      if (decoded.ok) deliveries.push({ msg, event: decoded.event, deliveryCount });
      else await this.deadLetter(msg, decoded.reason, { raw: Buffer.from(msg.data).toString('utf8') });
    }
    if (deliveries.length === 0) return;
    const outcome = await this.runHandler(deliveries);
    if (outcome.ok) this.ack(deliveries);
    else await this.onFailure(deliveries, outcome.error);
  }

  private async runHandler(deliveries: Delivery[]): Promise<Outcome> {
    // Keep the messages ours while a slow batch runs, so ack_wait does not hand them to another replica.
    const heartbeat = setInterval(() => deliveries.forEach((d) => d.msg.working()), Math.max(100, this.ackWaitMs / 3));
    heartbeat.unref();
    try {
      await this.opts.handler(deliveries.map(({ event, deliveryCount }) => ({ event, deliveryCount })));
      return { ok: true };
    } catch (error) {
      return { ok: false, error };
    } finally {
      clearInterval(heartbeat);
    }
  }

  private ack(deliveries: Delivery[]): void {
    for (const d of deliveries) d.msg.ack();
    this.counters.processed += deliveries.length;
  }

  private nakDelay(deliveryCount: number): number {
    return exponentialDelay(deliveryCount, this.opts.nakDelayMs ?? 1_000, this.opts.maxNakDelayMs ?? 60_000);
  }

  private async onFailure(deliveries: Delivery[], error: unknown): Promise<void> {
    this.counters.failedBatches++;
    const retryable = this.opts.isRetryable?.(error) ?? false;
    this.opts.logger.warn(
      { err: errorMessage(error), events: deliveries.length, retryable },
      'call batch handler failed',
    );
    const exhausted: Delivery[] = [];
    for (const d of deliveries) {
      if (!retryable && d.deliveryCount >= this.maxDeliver) exhausted.push(d);
      else d.msg.nak(this.nakDelay(d.deliveryCount));
    }
    for (const d of exhausted) {
      // Alone first: a poison neighbour in the batch must not take a good event to the dead-letter stream.
      let lastError = error;
      if (deliveries.length > 1) {
        const alone = await this.runHandler([d]);
        if (alone.ok) {
          this.ack([d]);
          continue;
        }
        lastError = alone.error;
        if (this.opts.isRetryable?.(lastError)) {
          d.msg.nak(this.nakDelay(d.deliveryCount));
          continue;
        }
      }
      const reason = `handler failed ${d.deliveryCount} times: ${errorMessage(lastError)}`;
      await this.deadLetter(d.msg, reason, { event: d.event });
    }
  }

  /** Publishes to the dead-letter stream, then terminates the original; if that publish fails, naks to retry. */
  private async deadLetter(msg: JsMsg, reason: string, body: { event: CallEvent } | { raw: string }): Promise<void> {
    const letter: DeadLetter = {
      reason,
      ...body,
      subject: msg.subject,
      stream: msg.info.stream,
      stream_seq: msg.seq,
      delivery_count: msg.info.redeliveryCount,
      consumer: this.durable,
      dead_lettered_at: new Date().toISOString(),
    };
    try {
      if (!this.current) throw new Error('not connected');
      // msgID per source message: a retried dead-letter publish stores one letter.
      await this.current.js.publish(CALLS_DLQ_SUBJECT, encodeDeadLetter(letter), {
        msgID: `${msg.info.stream}:${msg.seq}`,
      });
      msg.term();
      this.counters.deadLettered++;
      this.opts.logger.error(
        { reason, stream_seq: msg.seq, delivery_count: letter.delivery_count, request_id: letter.event?.request_id },
        'call event dead-lettered',
      );
    } catch (err) {
      this.opts.logger.error({ err: errorMessage(err), stream_seq: msg.seq }, 'dead-letter publish failed, will retry');
      msg.nak(this.nakDelay(msg.info.redeliveryCount));
    }
  }
}
