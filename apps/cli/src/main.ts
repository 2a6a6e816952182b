#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { registerAnalyticsCommands } from './commands/analytics-commands';
import { registerCacheCommands } from './commands/cache-commands';
import { registerDoctorCommand } from './commands/doctor/doctor-command';
import { registerRouterCommands } from './commands/router-commands';
import { runAnalyzer, runGateway, runServer } from './commands/serve';

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

const serviceOptions = (cmd: Command) =>
  cmd
    .option('-p, --port <port>', 'port to listen on (default: server.port from the config, else 8000)', portOption)
    .option('-H, --host <host>', 'address to bind (default: server.host, else 0.0.0.0)')
    .option('-c, --config <file>', 'lessllm.yaml (default: $LESSLLM_CONFIG; without one, environment variables alone)');

serviceOptions(
  program
    .command('server')
    .description('all-in-one: gateway + analyzer + analytics API (embedded chDB unless a ClickHouse URL is set)'),
).action(runServer);
serviceOptions(
  program.command('gateway').description('the gateway service alone (events to NATS: events.nats_url)'),
).action(runGateway);
serviceOptions(
  program
    .command('analyzer')
    .description('the analyzer service: JetStream consumer -> ClickHouse, analytics API (port 8001)'),
).action(runAnalyzer);

registerAnalyticsCommands(program);
registerCacheCommands(program);
registerDoctorCommand(program);
registerRouterCommands(program);

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
