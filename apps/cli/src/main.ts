#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { runGateway, runServer } from './commands/serve';

function portOption(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535).');
  return port;
}

const program = new Command()
  .name('lessllm')
  .description('LessLLM: an LLM API gateway (OpenAI- and Anthropic-compatible) with analytics, caching and routing')
  .version('0.1.0');

program
  .command('server')
  .description('all-in-one: gateway with in-process events (embedded mode, no infrastructure needed)')
  .option('-p, --port <port>', 'port to listen on (default: server.port from the config, else 8000)', portOption)
  .option('-H, --host <host>', 'address to bind (default: server.host, else 0.0.0.0)')
  .option('-c, --config <file>', 'lessllm.yaml (default: $LESSLLM_CONFIG; without one, environment variables alone)')
  .action(runServer);

program
  .command('gateway')
  .description('the gateway service alone (distributed mode)')
  .option('-p, --port <port>', 'port to listen on', portOption)
  .option('-H, --host <host>', 'address to bind')
  .option('-c, --config <file>', 'lessllm.yaml')
  .action(runGateway);

for (const [name, issue] of [
  ['router', 'the router service (classifier over NATS) is not built yet'],
  ['analyzer', 'the analyzer service (JetStream consumer writing to ClickHouse) is not built yet'],
] as const) {
  program
    .command(name)
    .description(`${name} service (distributed mode)`)
    .option('-c, --config <file>', 'lessllm.yaml')
    .action(() => {
      process.stderr.write(`lessllm ${name}: ${issue}; run \`lessllm server\` for the all-in-one gateway.\n`);
      process.exit(2);
    });
}

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
