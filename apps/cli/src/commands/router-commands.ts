import { findFormat, formatNamed, type Json } from '@lessllm/formats';
import { readLabelledJsonl, trainWeights, writeWeights, type LabelledExample } from '@lessllm/routing';
import type { RoutingInput } from '@lessllm/shared';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { openSource, type SourceOptions } from './analytics-source';
import { runRouter } from './serve';

interface TrainOptions extends SourceOptions {
  from: string;
  out: string;
  balance?: boolean;
}

const LABELS: Record<string, 'strong' | 'weak'> = {
  strong: 'strong',
  '1': 'strong',
  true: 'strong',
  weak: 'weak',
  '0': 'weak',
  false: 'weak',
};

/** A row of the training SQL: request_json, label (strong|weak|1|0), optionally caller_format. */
export function exampleFromRow(row: Record<string, unknown>, index: number): LabelledExample {
  const label = LABELS[String(row.label).toLowerCase()];
  if (!label) throw new Error(`row ${index + 1}: label must be strong/weak (or 1/0), got ${JSON.stringify(row.label)}`);
  if (typeof row.request_json !== 'string') throw new Error(`row ${index + 1}: the query must return request_json`);
  let body: Json;
  try {
    // a non-object body reads as an empty request, as it does in every format's routingInput
    const parsed: unknown = JSON.parse(row.request_json);
    body = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : {};
  } catch {
    throw new Error(`row ${index + 1}: request_json is not JSON`);
  }
  // the row's wire format (findFormat maps the legacy 'openai' / 'anthropic'); unknown or missing: OpenAI chat
  const callerFormat = typeof row.caller_format === 'string' ? row.caller_format : null;
  const input: RoutingInput = (findFormat(callerFormat) ?? formatNamed('openai-chat')).analysis.routingInput(body);
  return { input, label };
}

const TRAINING_MAX_ROWS = 100_000;

/** Labelled examples from a jsonl file, or from a read-only SQL query over api_calls. */
async function examplesFrom(opts: TrainOptions): Promise<LabelledExample[]> {
  if (existsSync(opts.from)) return readLabelledJsonl(opts.from);
  if (!/^\s*(select|with)\b/i.test(opts.from)) {
    throw new Error(`--from: ${opts.from} is neither an existing file nor a SELECT query`);
  }
  const source = await openSource(opts);
  try {
    // At most the analytics API's default cap (analytics.max_result_rows): sample in the SQL for more history.
    const rows = await source.query(opts.from, TRAINING_MAX_ROWS);
    return rows.map(exampleFromRow);
  } finally {
    await source.close();
  }
}

export function registerRouterCommands(program: Command): void {
  const router = program
    .command('router')
    .description('the router service: answers lessllm.router.decide over NATS (router: block in the config)')
    .option('-c, --config <file>', 'lessllm.yaml (default: $LESSLLM_CONFIG)')
    .option('--nats-url <url>', 'NATS (default: router.nats_url, else events.nats_url)')
    .option('-p, --port <port>', 'HTTP port for /health and /metrics (default 8002)', (v) => Number(v))
    .option('-H, --host <host>', 'address to bind (default: server.host, else 0.0.0.0)')
    .action((opts: { config?: string; natsUrl?: string; port?: number; host?: string }) => runRouter(opts));

  router
    .command('train')
    .description('learn classifier weights from labelled examples (jsonl, or SQL over api_calls)')
    .requiredOption(
      '--from <source>',
      'a jsonl file ({"prompt"|"messages", "label": "strong"|"weak"}) or a SELECT returning request_json, label[, caller_format]',
    )
    .requiredOption('-o, --out <file>', 'weights file to write (router.weights_file; a running router reloads it)')
    .option('--balance', 'weight classes inversely to their frequency')
    .option('--url <url>', 'for SQL: a running LessLLM server/analyzer (default: $LESSLLM_URL)')
    .option('--admin-key <key>', 'auth.admin_key for --url (default: $LESSLLM_ADMIN_KEY)')
    .option('-c, --config <file>', 'for SQL without --url: lessllm.yaml whose store is opened directly')
    .action(async (opts: TrainOptions) => {
      const examples = await examplesFrom(opts);
      const strong = examples.filter((e) => e.label === 'strong').length;
      if (strong === 0 || strong === examples.length) {
        throw new Error(`--from gave ${examples.length} examples, ${strong} strong: training needs both labels`);
      }
      const weights = trainWeights(examples, { source: opts.from.slice(0, 200), balanceClasses: opts.balance });
      writeWeights(opts.out, weights);
      process.stdout.write(
        `wrote ${opts.out}: ${examples.length} examples (${strong} strong), training accuracy ` +
          `${weights.training?.accuracy.toFixed(3)}, log-loss ${weights.training?.loss.toFixed(3)}\n`,
      );
    });
}
