import { startAnalyzer } from '@lessllm/analyzer';
import { startRouter } from '@lessllm/router';
import { startServer } from '@lessllm/server';
import { ConfigError, loadConfig, type LoadedConfig } from '@lessllm/shared';

export interface ServeOptions {
  port?: number;
  host?: string;
  config?: string;
}

export function loadOrExit(path: string | undefined): LoadedConfig {
  try {
    return loadConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

function stopOnSignals(stop: () => Promise<void>): void {
  const shutdown = () => {
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

async function serve(role: 'server' | 'gateway', options: ServeOptions): Promise<void> {
  const running = await startServer({
    config: loadOrExit(options.config),
    port: options.port,
    host: options.host,
    role,
  });
  stopOnSignals(running.stop);
  const storeNote = running.store
    ? `; call records: ${running.store.kind}, analytics API at ${running.url}/v1/analytics`
    : '';
  process.stdout.write(
    `LessLLM ${role} on ${running.url}  (OpenAI SDK base URL: ${running.url}/v1, Anthropic SDK base URL: ${running.url})${storeNote}\n`,
  );
}

/** `lessllm server`: everything in one process. */
export const runServer = (options: ServeOptions) => serve('server', options);

/** `lessllm gateway`: the gateway service alone. */
export const runGateway = (options: ServeOptions) => serve('gateway', options);

/** `lessllm analyzer`: the analyzer service. */
export async function runAnalyzer(options: ServeOptions): Promise<void> {
  const running = await startAnalyzer({ config: loadOrExit(options.config), port: options.port, host: options.host });
  stopOnSignals(running.stop);
  process.stdout.write(`LessLLM analyzer on ${running.url} (store: ${running.store.kind})\n`);
}

/** `lessllm router`: the router service (lessllm.router.decide over NATS). */
export async function runRouter(options: ServeOptions & { natsUrl?: string }): Promise<void> {
  const running = await startRouter({
    config: loadOrExit(options.config),
    natsUrl: options.natsUrl,
    port: options.port,
    host: options.host,
  });
  stopOnSignals(running.stop);
  process.stdout.write(
    `LessLLM router on ${running.natsUrl} (subject lessllm.router.decide); health and metrics on ${running.url}\n`,
  );
}
