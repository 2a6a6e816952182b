import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../test/support/ports';
import { getJson, getText, sleep } from './http';
import { type Proc, spawnCli, spawnProc, statusKb } from './processes';
import {
  ADMIN_KEY,
  ANTHROPIC_MODEL,
  CALLER_KEY,
  type ChaosSettings,
  HOSTILE_ALIASES,
  NATS_SERVER_BIN,
  OPENAI_MODEL,
  REDIS_SERVER_BIN,
  TENANT,
} from './settings';

export interface UpstreamPorts {
  openai: number;
  anthropic: number;
  hostile: number;
  stats: number;
}

const SERVICE_READY = /LessLLM (?:gateway|server) on (http:\/\/[\d.]+:\d+)/;
const ANALYZER_READY = /LessLLM analyzer on (http:\/\/[\d.]+:\d+)/;
const START_TIMEOUT_MS = 90_000;

/** The peak RSS (VmHWM) per role over every process that played it (a killed analyzer and its successors). */
export class PeakMemory {
  private readonly pids = new Map<number, string>();
  private readonly peaksKb = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  track(role: string, pid: number): void {
    this.pids.set(pid, role);
    this.sample();
  }

  sample(): void {
    for (const [pid, role] of this.pids) {
      const kb = statusKb(pid, 'VmHWM');
      if (Number.isFinite(kb)) this.peaksKb.set(role, Math.max(this.peaksKb.get(role) ?? 0, kb));
    }
  }

  start(everyMs = 250): void {
    this.timer ??= setInterval(() => this.sample(), everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  peakMb(role: string): number | null {
    const kb = this.peaksKb.get(role);
    return kb === undefined ? null : Math.round(kb / 1024);
  }
}

/** A private redis-server (no persistence) on a free loopback port: the gateway's exact cache. */
export class PrivateRedis {
  proc!: Proc;
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(dir: string): Promise<void> {
    this.port = await freePort();
    this.proc = spawnProc({
      name: 'redis-server',
      command: REDIS_SERVER_BIN,
      args: [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--protected-mode',
        'no',
      ],
    });
    await this.proc.waitFor(/Ready to accept connections/, 15_000);
  }
}

/**
 * A private nats-server with JetStream on a free loopback port, its store in a folder of ours (so a kill -9 and a
 * restart on the same port and store is possible), with the monitoring endpoint on (/varz, /jsz: max_payload, the
 * analyzer consumer's progress) so the suite needs no NATS client of its own.
 */
export class PrivateNats {
  proc!: Proc;
  port = 0;
  monitorPort = 0;
  private storeDir = '';

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(dir: string): Promise<void> {
    this.port = await freePort();
    this.monitorPort = await freePort();
    this.storeDir = path.join(dir, 'jetstream');
    mkdirSync(this.storeDir, { recursive: true });
    await this.restart();
  }

  /** Starts (again) on the same port and store. */
  async restart(): Promise<void> {
    this.proc = spawnProc({
      name: 'nats-server',
      command: NATS_SERVER_BIN,
      args: ['-a', '127.0.0.1', '-p', String(this.port), '-m', String(this.monitorPort), '-js', '-sd', this.storeDir],
    });
    await this.proc.waitFor(/Server is ready/, 20_000);
  }

  async maxPayload(): Promise<number> {
    return (await getJson<{ max_payload: number }>(`http://127.0.0.1:${this.monitorPort}/varz`)).body.max_payload;
  }

  /** The analyzers' durable consumer on LESSLLM_CALLS: what is acknowledged and what waits. */
  async consumer(): Promise<ConsumerState | null> {
    const { body } = await getJson<JszResponse>(
      `http://127.0.0.1:${this.monitorPort}/jsz?accounts=true&streams=true&consumers=true`,
      2_000,
    );
    for (const account of body.account_details ?? []) {
      for (const stream of account.stream_detail ?? []) {
        if (stream.name !== 'LESSLLM_CALLS') continue;
        const c = stream.consumer_detail?.find((d) => d.name === 'analyzer');
        return {
          streamMessages: stream.state.messages,
          lastSeq: stream.state.last_seq,
          ackFloor: c?.ack_floor.stream_seq ?? 0,
          pending: c?.num_pending ?? stream.state.messages,
          ackPending: c?.num_ack_pending ?? 0,
          redelivered: c?.num_redelivered ?? 0,
        };
      }
    }
    return null;
  }
}

export interface ConsumerState {
  streamMessages: number;
  lastSeq: number;
  /** Stream sequence up to which every message is acknowledged. */
  ackFloor: number;
  /** Not yet delivered. */
  pending: number;
  /** Delivered, not acknowledged. */
  ackPending: number;
  redelivered: number;
}

interface JszResponse {
  account_details?: Array<{
    stream_detail?: Array<{
      name: string;
      state: { messages: number; last_seq: number };
      consumer_detail?: Array<{
        name: string;
        num_pending: number;
        num_ack_pending: number;
        num_redelivered: number;
        ack_floor: { stream_seq: number };
      }>;
    }>;
  }>;
}

export interface GatewayReady {
  status: string;
  in_flight?: number;
  checks?: {
    cache_store?: { kind: string; status: string };
    event_bus?: { kind: string; status: string; buffered?: number };
  };
}

export type StackMode = 'distributed' | 'embedded';

/**
 * One fault's system under test: `lessllm gateway` + `lessllm analyzer` on a private JetStream and a fresh chDB
 * folder (distributed), or `lessllm server` on a fresh data folder (embedded); a private redis-server as the exact
 * cache in both. Ports are fixed at start, so a restarted service comes back where the callers are pointed.
 */
export class Stack {
  readonly redis = new PrivateRedis();
  readonly nats: PrivateNats | null;
  readonly memory = new PeakMemory();
  gateway: Proc | null = null;
  analyzer: Proc | null = null;
  gatewayPort = 0;
  analyzerPort = 0;
  configFile = '';
  /** Every incarnation of the gateway / server and the analyzer, in order. */
  readonly gateways: Proc[] = [];
  readonly analyzers: Proc[] = [];

  constructor(
    readonly mode: StackMode,
    readonly dir: string,
    private readonly upstreams: UpstreamPorts,
    private readonly settings: ChaosSettings,
  ) {
    this.nats = mode === 'distributed' ? new PrivateNats() : null;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.gatewayPort}`;
  }

  /** Where the analytics API is: the analyzer (distributed) or the server itself (embedded). */
  get analyticsOrigin(): string {
    return this.mode === 'distributed' ? `http://127.0.0.1:${this.analyzerPort}` : this.origin;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** The gateway role's name in the memory table: `gateway` (distributed) or `server` (embedded). */
  get serviceRole(): 'gateway' | 'server' {
    return this.mode === 'distributed' ? 'gateway' : 'server';
  }

  async start(opts: { analyzer: boolean }): Promise<void> {
    await this.redis.start(this.dir);
    this.memory.track('redis-server', this.redis.proc.pid);
    if (this.nats) {
      await this.nats.start(this.dir);
      this.memory.track('nats-server', this.nats.proc.pid);
    }
    this.gatewayPort = await freePort();
    this.analyzerPort = await freePort();
    this.configFile = path.join(this.dir, 'lessllm.json');
    writeFileSync(this.configFile, JSON.stringify(this.config(), null, 2));
    this.memory.start();
    await this.startGateway();
    if (opts.analyzer && this.mode === 'distributed') await this.startAnalyzer();
  }

  private config(): Record<string, unknown> {
    const s = this.settings;
    const u = this.upstreams;
    return {
      server: {
        log_level: 'warn',
        host: '127.0.0.1',
        shutdown_delay_s: s.shutdownDelayS,
        drain_s: s.drainS,
      },
      ...(this.nats ? { events: { nats_url: this.nats.url } } : {}),
      storage: { data_dir: this.dataDir },
      analyzer: { batch_size: s.batchSize, batch_max_wait_ms: 100, ack_wait_ms: s.ackWaitMs },
      auth: { admin_key: ADMIN_KEY, keys: [{ key: CALLER_KEY, tenant: TENANT, name: 'chaos-caller' }] },
      cache: { redis_url: this.redis.url, key_prefix: 'chaos:rc:' },
      providers: {
        openai: {
          type: 'openai',
          base_url: `http://127.0.0.1:${u.openai}/v1`,
          api_key: 'sk-fake-openai',
          models: [OPENAI_MODEL],
          apis: ['chat_completions', 'responses'],
        },
        anthropic: {
          type: 'anthropic',
          base_url: `http://127.0.0.1:${u.anthropic}`,
          api_key: 'sk-ant-fake',
          models: [ANTHROPIC_MODEL],
        },
        hostile: {
          type: 'openai',
          base_url: `http://127.0.0.1:${u.hostile}/v1`,
          api_key: 'sk-hostile',
          apis: ['chat_completions'],
        },
      },
      models: {
        [HOSTILE_ALIASES.bigStream]: { provider: 'hostile', model: `big-stream@${s.slowReaders.streamMb}` },
        [HOSTILE_ALIASES.hugeEvent]: { provider: 'hostile', model: `huge-event@${s.hugeEvent.eventMb}` },
        [HOSTILE_ALIASES.hugeJson]: { provider: 'hostile', model: `huge-json@${s.hugeAnswer.answerMb}` },
        [HOSTILE_ALIASES.endless]: { provider: 'hostile', model: 'endless-stream' },
      },
    };
  }

  /** Starts `lessllm gateway` (or `lessllm server`) on the stack's port; resolves once it prints its ready line. */
  async startGateway(): Promise<Proc> {
    const role = this.serviceRole;
    const proc = spawnCli(role, [
      this.mode === 'distributed' ? 'gateway' : 'server',
      '--port',
      String(this.gatewayPort),
      '--host',
      '127.0.0.1',
      '--config',
      this.configFile,
    ]);
    this.gateway = proc;
    this.gateways.push(proc);
    this.memory.track(role, proc.pid);
    await proc.waitFor(SERVICE_READY, START_TIMEOUT_MS);
    return proc;
  }

  async startAnalyzer(): Promise<Proc> {
    const proc = spawnCli('analyzer', [
      'analyzer',
      '--port',
      String(this.analyzerPort),
      '--host',
      '127.0.0.1',
      '--config',
      this.configFile,
    ]);
    this.analyzer = proc;
    this.analyzers.push(proc);
    this.memory.track('analyzer', proc.pid);
    await proc.waitFor(ANALYZER_READY, START_TIMEOUT_MS);
    return proc;
  }

  async gatewayReady(timeoutMs = 2_000): Promise<{ status: number; body: GatewayReady } | null> {
    try {
      return await getJson<GatewayReady>(`${this.origin}/health/ready`, timeoutMs);
    } catch {
      return null;
    }
  }

  /** nats-server again on the same port and store (after a kill). */
  async restartNats(): Promise<Proc> {
    if (!this.nats) throw new Error('no nats-server in embedded mode');
    await this.nats.restart();
    this.memory.track('nats-server', this.nats.proc.pid);
    return this.nats.proc;
  }

  /** The gateway's (or server's) Prometheus text, or '' when it does not answer. */
  async gatewayMetrics(): Promise<string> {
    try {
      return (await getText(`${this.origin}/metrics`, 3_000)).text;
    } catch {
      return '';
    }
  }

  /** Waits until the gateway's event buffer is empty (distributed), or gives up after timeoutMs. */
  async eventsFlushed(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    let buffered = Number.NaN;
    while (performance.now() < deadline) {
      const ready = await this.gatewayReady();
      buffered = ready?.body.checks?.event_bus?.buffered ?? Number.NaN;
      if (buffered === 0 || this.mode === 'embedded') return buffered;
      await sleep(200);
    }
    return buffered;
  }

  /** Stops everything: services gracefully (their peak RSS read first), then NATS and Redis. */
  async stop(): Promise<void> {
    this.memory.sample();
    this.memory.stop();
    await Promise.allSettled([this.gateway?.stop(15_000), this.analyzer?.stop(15_000)]);
    await Promise.allSettled([this.nats?.proc?.stop(5_000), this.redis.proc?.stop(5_000)]);
  }
}
