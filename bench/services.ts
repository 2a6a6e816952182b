import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { canConnect } from '../test/support/ports';
import { type Child, spawnNode } from './processes';
import { API_KEY, BENCH_REDIS_URL, FORMAT_MODELS, SETTINGS } from './settings';

/** The three servers under test, each in its own process. */
export interface Services {
  /** Origins, e.g. http://127.0.0.1:41234. */
  direct: string;
  passthrough: string;
  gateway: string;
  gatewayPid: number;
  /** Every child's pid (fake provider, pass-through, gateway). */
  pids: number[];
  /** The process behind each target, for CPU per request. */
  targetPids: { direct: number; passthrough: number; gateway: number };
  /** Gateway model names for ~10 s streams, one per provider entry. */
  longModels: string[];
  /** The private NATS the gateway publishes to and the router service answers on. */
  natsUrl: string;
  /** Redis behind the gateway's exact cache, or null when none was reachable. */
  redisUrl: string | null;
  stop(): Promise<void>;
}

const READY_JSON = /^READY (\{.*\})$/m;

function gatewayConfig(
  mainPort: number,
  longPort: number,
  longModels: string[],
  natsUrl: string,
  redisUrl: string | null,
): string {
  const fake = (port: number, models: string[]) => ({
    type: 'openai',
    base_url: `http://127.0.0.1:${port}/v1`,
    api_key: API_KEY,
    models,
  });
  const providers: Record<string, unknown> = {
    openai: fake(mainPort, ['fast', 'stream-slow']),
    // The format phase: the same fake, told it serves only the Responses API.
    'openai-responses': { ...fake(mainPort, []), apis: ['responses'] },
  };
  const models: Record<string, unknown> = {
    'tier-small': { provider: 'openai', model: 'fast' },
    'tier-large': { provider: 'openai', model: 'fast' },
    [FORMAT_MODELS.chat]: { provider: 'openai', model: 'bench-default' },
    [FORMAT_MODELS.responses]: { provider: 'openai-responses', model: 'bench-default' },
  };
  longModels.forEach((model, i) => {
    providers[`long-${i + 1}`] = fake(longPort, []);
    models[model] = { provider: `long-${i + 1}`, model: 'stream-slow' };
  });
  // The gateway service as deployed: every call is published to JetStream (a private nats-server), so the
  // figures include building and publishing the CallEvent. No analyzer consumes them during these phases.
  return stringify({
    server: { log_level: 'warn', host: '127.0.0.1' },
    events: { nats_url: natsUrl },
    providers,
    models,
    // model "auto": the features classifier in the router service process, asked over NATS like in production.
    router: benchRouterConfig(natsUrl),
    // The exact cache on Redis under a prefix of its own; the main phases send temperature 0.2 (not cached: bypass,
    // no Redis round trip), only the cache phase sends cacheable requests.
    ...(redisUrl ? { cache: { redis_url: redisUrl, key_prefix: `lessllm-bench:${process.pid}:` } } : {}),
  });
}

/** The router block of the bench config (the router bench also runs this engine in-process). */
export function benchRouterConfig(natsUrl: string) {
  return {
    classifier: 'features' as const,
    default_tier: 'small',
    timeout_ms: 5,
    nats_url: natsUrl,
    tiers: { small: { model: 'tier-small' }, large: { model: 'tier-large' } },
  };
}

/** The Redis URL when something answers on its port, else null (the cache phase then says it was skipped). */
async function reachableRedis(): Promise<string | null> {
  const url = new URL(BENCH_REDIS_URL);
  return (await canConnect(Number(url.port || 6379), url.hostname)) ? BENCH_REDIS_URL : null;
}

/** The compiled CLI: `dist/apps/cli/src/main.js` with today's tsconfig (rootDir `.`), `dist/apps/cli/main.js` if flattened. */
function cliEntry(): string {
  const candidates = ['main.js', path.join('src', 'main.js')].map((f) => path.join(__dirname, '..', 'apps', 'cli', f));
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`gateway CLI not built: none of ${candidates.join(', ')}`);
  return found;
}

/** Starts the fake provider, the pass-through proxy, a private NATS and the gateway (`lessllm gateway`) as child processes. */
export async function startServices(cpuProfDir?: string): Promise<Services> {
  const here = __dirname;
  const children: Child[] = [];
  const tmp = mkdtempSync(path.join(tmpdir(), 'lessllm-bench-'));
  const stop = async (): Promise<void> => {
    await Promise.all(children.reverse().map((c) => c.stop()));
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const { mainChunkDelayMs, longChunkDelayMs } = SETTINGS.fake;
    const fake = await spawnNode({
      name: 'fake provider',
      args: [path.join(here, 'fake-provider-process.js'), String(mainChunkDelayMs), String(longChunkDelayMs)],
      readyLine: READY_JSON,
    });
    children.push(fake);
    const ports = JSON.parse(fake.ready[1]) as { main: number; long: number };
    const direct = `http://127.0.0.1:${ports.main}`;

    const passthrough = await spawnNode({
      name: 'pass-through',
      args: [path.join(here, 'passthrough-proxy.js'), direct],
      readyLine: READY_JSON,
    });
    children.push(passthrough);

    const nats = await spawnNode({
      name: 'nats-server',
      args: [path.join(here, 'nats-server-process.js')],
      readyLine: READY_JSON,
    });
    children.push(nats);
    const natsUrl = (JSON.parse(nats.ready[1]) as { url: string }).url;

    const longModels = Array.from({ length: SETTINGS.memory.providers }, (_, i) => `stream-long-${i + 1}`);
    const configFile = path.join(tmp, 'lessllm.yaml');
    const redisUrl = await reachableRedis();
    writeFileSync(configFile, gatewayConfig(ports.main, ports.long, longModels, natsUrl, redisUrl));
    const router = await spawnNode({
      name: 'router',
      args: [cliEntry(), 'router', '--config', configFile, '--port', '0', '--host', '127.0.0.1'],
      readyLine: /LessLLM router on (\S+)/,
    });
    children.push(router);
    const gateway = await spawnNode({
      name: 'gateway',
      args: [cliEntry(), 'gateway', '--port', '0', '--config', configFile],
      nodeFlags: cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [],
      readyLine: /LessLLM (?:gateway|server) on (http:\/\/[\d.]+:\d+)/,
    });
    children.push(gateway);

    return {
      direct,
      passthrough: `http://127.0.0.1:${(JSON.parse(passthrough.ready[1]) as { port: number }).port}`,
      gateway: gateway.ready[1],
      gatewayPid: gateway.pid,
      pids: children.map((c) => c.pid),
      targetPids: { direct: fake.pid, passthrough: passthrough.pid, gateway: gateway.pid },
      longModels,
      redisUrl,
      natsUrl,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
