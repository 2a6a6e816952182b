import { startGateway } from './bootstrap';

/** `node dist/apps/gateway/src/main.js`: the gateway service alone (config from LESSLLM_CONFIG or env). */
startGateway().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
