import type { AppLogger } from '@lessllm/shared';
import { connect, Events, type NatsConnection } from 'nats';
import { Notifier } from './notifier';
import { errorMessage, jitteredBackoff } from './util';

export interface NatsLinkOptions {
  servers: string | string[];
  name: string;
  logger: AppLogger;
  /** Called on every connect, disconnect, reconnect and close, so loops waiting on the link look again. */
  onChange: () => void;
  /** Pause between reconnect attempts (nats.js) and cap of the first-connect backoff. */
  reconnectTimeWaitMs?: number;
  connectTimeoutMs?: number;
}

const FIRST_CONNECT_BASE_MS = 100;
/** While NATS stays down, log the failed first connect once, then every this many attempts. */
const LOG_EVERY_ATTEMPTS = 30;

/**
 * One NATS connection that is always (re)connecting until close(). nats.js reconnects by itself once it has
 * connected (maxReconnectAttempts: -1); the first connect is our own loop because nats.js's waitOnFirstConnect
 * cannot be cancelled, and a service must be able to start, and stop, while NATS is down.
 */
export class NatsLink {
  private nc: NatsConnection | null = null;
  private up = false;
  private closing = false;
  private readonly closeWake = new Notifier();
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly opts: NatsLinkOptions) {}

  start(): void {
    this.loop = this.run();
  }

  /** The connection when it is usable right now, else null. */
  get connection(): NatsConnection | null {
    return this.up ? this.nc : null;
  }

  get connected(): boolean {
    return this.up;
  }

  async close(drainTimeoutMs = 2_000): Promise<void> {
    this.closing = true;
    this.closeWake.notify();
    const nc = this.nc;
    if (nc && !nc.isClosed()) {
      // drain() flushes our acks and pending publishes, but needs the server: bounded, then a hard close.
      const drained = this.up ? nc.drain().catch(() => undefined) : Promise.resolve();
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, drainTimeoutMs).unref())]);
      if (!nc.isClosed()) await nc.close().catch(() => undefined);
    }
    await this.loop;
  }

  private async run(): Promise<void> {
    const { logger, onChange } = this.opts;
    const reconnectTimeWait = this.opts.reconnectTimeWaitMs ?? 1_000;
    let attempt = 0;
    while (!this.closing) {
      let nc: NatsConnection;
      try {
        nc = await connect({
          servers: this.opts.servers,
          name: this.opts.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait,
          waitOnFirstConnect: false,
          timeout: this.opts.connectTimeoutMs ?? 2_000,
          // No `new Error()` per request/publish for async stack traces: ~5 % of the gateway's CPU at full load.
          noAsyncTraces: true,
        });
      } catch (err) {
        attempt++;
        if (attempt === 1 || attempt % LOG_EVERY_ATTEMPTS === 0) {
          logger.warn({ attempt, err: errorMessage(err) }, 'NATS unreachable, retrying in the background');
        }
        await this.closeWake.wait(jitteredBackoff(attempt, FIRST_CONNECT_BASE_MS, reconnectTimeWait));
        continue;
      }
      if (this.closing) {
        await nc.close();
        break;
      }
      attempt = 0;
      this.nc = nc;
      this.up = true;
      logger.info({ server: nc.getServer() }, 'NATS connected');
      onChange();
      void this.watch(nc);
      const err = await nc.closed();
      this.up = false;
      this.nc = null;
      onChange();
      if (!this.closing)
        logger.warn({ err: err ? errorMessage(err) : undefined }, 'NATS connection closed, reconnecting');
    }
  }

  private async watch(nc: NatsConnection): Promise<void> {
    const { logger, onChange } = this.opts;
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) {
        this.up = false;
        if (!this.closing) logger.warn({ server: status.data }, 'NATS disconnected, reconnecting');
        onChange();
      } else if (status.type === Events.Reconnect) {
        this.up = true;
        logger.info({ server: status.data }, 'NATS reconnected');
        onChange();
      }
    }
  }
}
