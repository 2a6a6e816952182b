import { loadConfig } from '@lessllm/shared';
import { createCallStore } from '@lessllm/store';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { openSource, type SourceOptions } from './analytics-source';

interface OutputOptions extends SourceOptions {
  json?: boolean;
}

function print(rows: Record<string, unknown>[], json: boolean | undefined): void {
  if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (rows.length === 0) process.stdout.write('(no rows)\n');
  else console.table(rows);
}

function withSource<A extends unknown[]>(
  run: (source: Awaited<ReturnType<typeof openSource>>, ...args: A) => Promise<void>,
) {
  return async (...args: A) => {
    const options =
      args.find((a): a is SourceOptions & object => typeof a === 'object' && a !== null && !Array.isArray(a)) ?? {};
    const source = await openSource(options);
    try {
      await run(source, ...args);
    } finally {
      await source.close();
    }
  };
}

const sourceOptions = (cmd: Command) =>
  cmd
    .option(
      '--url <url>',
      'a running LessLLM server/analyzer (default: $LESSLLM_URL; without it the store is opened directly)',
    )
    .option('--admin-key <key>', 'auth.admin_key for --url (default: $LESSLLM_ADMIN_KEY)')
    .option('-c, --config <file>', 'lessllm.yaml (storage settings for direct access)');

export function registerAnalyticsCommands(program: Command): void {
  sourceOptions(program.command('query <sql>').description('run one read-only SQL statement over api_calls'))
    .option('--json', 'print JSON instead of a table')
    .option('--max-rows <n>', 'rows returned at most', (v) => Number(v))
    .action(
      withSource(async (source, sql: string, opts: OutputOptions & { maxRows?: number }) => {
        print(await source.query(sql, opts.maxRows), opts.json);
      }),
    );

  sourceOptions(
    program
      .command('stats')
      .description('calls, tokens, cost, errors, TTFT/TPOT and cache hit rates per model and day'),
  )
    .option('--days <n>', 'how many days back', (v) => Number(v), 7)
    .option('--json', 'print JSON instead of a table')
    .action(
      withSource(async (source, opts: OutputOptions & { days: number }) => {
        print(await source.usage(opts.days), opts.json);
      }),
    );

  sourceOptions(program.command('export').description('export call records to Parquet, CSV or JSON lines'))
    .requiredOption('-o, --out <file>', 'output file (.parquet, .csv or .jsonl)')
    .option('--since <date>', 'from this UTC date/time (inclusive)')
    .option('--until <date>', 'until this UTC date/time (exclusive)')
    .option('--model <models>', 'only these models (comma-separated)')
    .option('--user <users>', 'only these user ids (comma-separated)')
    .action(
      withSource(
        async (
          source,
          opts: SourceOptions & { out: string; since?: string; until?: string; model?: string; user?: string },
        ) => {
          const bar = new SingleBar({
            format: 'exporting {file} | {bytes} bytes',
            hideCursor: true,
            noTTYOutput: false,
          });
          bar.start(0, 0, { file: opts.out, bytes: 0 });
          let bytes = 0;
          try {
            ({ bytes } = await source.exportTo({
              filepath: opts.out,
              since: opts.since,
              until: opts.until,
              filters: { models: opts.model?.split(','), users: opts.user?.split(',') },
              onProgress: (n) => bar.update(0, { bytes: n }),
            }));
            bar.update(0, { bytes });
          } finally {
            bar.stop(); // restores the cursor and line wrap even when the export fails
          }
          process.stdout.write(`wrote ${bytes} bytes to ${opts.out}\n`);
        },
      ),
    );

  program
    .command('migrate')
    .description('apply pending ClickHouse migrations (embedded chDB folder or ClickHouse server)')
    .option('-c, --config <file>', 'lessllm.yaml')
    .action(async (opts: { config?: string }) => {
      const store = await createCallStore(loadConfig(opts.config).config.storage);
      try {
        const applied = await store.migrate();
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
      } finally {
        await store.close();
      }
    });
}
