import { ConfigError, loadConfig } from '@lessllm/shared';
import { startGateway } from '../../../gateway/src/bootstrap';

export interface ServeOptions {
  port?: number;
  host?: string;
  config?: string;
}

async function serve(options: ServeOptions): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig(options.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const gateway = await startGateway({ config: loaded, port: options.port, host: options.host });
  const shutdown = () => {
    gateway.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  process.stdout.write(
    `LessLLM gateway on ${gateway.url}  (OpenAI SDK base URL: ${gateway.url}/v1, Anthropic SDK base URL: ${gateway.url})\n`,
  );
}

/** `lessllm server`: embedded mode, everything in one process. */
export const runServer = (options: ServeOptions) => serve(options);

/** `lessllm gateway`: the gateway alone; event transport arrives with the NATS adapter. */
export const runGateway = (options: ServeOptions) => serve(options);
