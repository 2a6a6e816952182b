import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { addStage, emptyStageTimes, type StageTimes } from '../connection-timing';
import { EgressError, type EgressStage } from '../egress-error';
import type { ConnectTarget } from './connect-target';

const noop = (): void => {};

/** What a stage was doing, for timeout messages. */
const STAGE_ACTIVITY: Record<EgressStage, string> = {
  dns: 'resolving a host name',
  connect: 'opening the TCP connection to the upstream',
  proxy_connect: 'connecting to the proxy',
  proxy_auth: 'authenticating with the proxy',
  proxy_tunnel: 'waiting for the proxy to open the tunnel',
  tls: 'in the TLS handshake with the upstream',
  timeout: 'connecting',
};

/**
 * One try of one route (a proxy or direct) for one connection: tracks the current stage and its durations, and owns
 * the sockets opened so far so a failure or a timeout can destroy them.
 */
export class Attempt {
  readonly times: StageTimes = emptyStageTimes();
  stage: EgressStage;
  private readonly owned = new Set<Duplex>();
  private readonly deadline: number;
  private finished = false;
  private abortedFlag = false;

  constructor(
    /** Proxy URL as configured, or null for direct. */
    readonly proxy: string | null,
    readonly target: ConnectTarget,
    /** Budget for the whole attempt (timeouts.connect_ms). */
    readonly timeoutMs: number,
  ) {
    this.stage = proxy === null ? 'connect' : 'proxy_connect';
    this.deadline = performance.now() + timeoutMs;
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - performance.now());
  }

  get aborted(): boolean {
    return this.abortedFlag;
  }

  error(stage: EgressStage, detail: string, hint: string, cause?: unknown): EgressError {
    return new EgressError({ stage, proxy: this.proxy, target: this.target.hostPort, detail, hint, cause });
  }

  /** A late step of an attempt that already timed out; nobody waits for it any more. */
  private abandoned(): EgressError {
    return this.error(this.stage, 'attempt abandoned', 'the connection attempt was already over');
  }

  timeoutError(): EgressError {
    const ms = this.timeoutMs;
    const where =
      this.proxy === null
        ? `is ${this.target.hostPort} reachable from here?`
        : `is the proxy up and able to reach ${this.target.hostPort}?`;
    return this.error(
      'timeout',
      `timed out after ${ms} ms in stage ${this.stage} (${STAGE_ACTIVITY[this.stage]})`,
      `${where} (limit: timeouts.connect_ms)`,
    );
  }

  /** Runs one stage, recording it as current (for timeouts) and adding its duration to `timeKey`. */
  async step<T>(stage: EgressStage, timeKey: keyof StageTimes | null, run: () => Promise<T>): Promise<T> {
    if (this.finished) throw this.abandoned();
    this.stage = stage;
    const started = performance.now();
    const out = await run();
    if (timeKey) addStage(this.times, timeKey, Math.round((performance.now() - started) * 100) / 100);
    return out;
  }

  /** Takes a socket under this attempt: destroyed on failure, and kept from crashing the process on a stray error. */
  own<T extends Duplex>(socket: T): T {
    if (this.finished) {
      socket.destroy();
      throw this.abandoned();
    }
    if (!this.owned.has(socket)) {
      socket.on('error', noop);
      this.owned.add(socket);
    }
    return socket;
  }

  /**
   * Success: hands the sockets over to the caller. The no-op error listeners stay: the inner sockets of a TLS or
   * tunnel stack get no listener from undici, and an error there must not crash the process.
   */
  release(): void {
    this.finished = true;
    this.owned.clear();
  }

  /** Failure or timeout: destroys whatever was opened. */
  abort(): void {
    this.finished = true;
    this.abortedFlag = true;
    for (const socket of this.owned) socket.destroy();
    this.owned.clear();
  }
}
