import { startFakeOpenAI } from '../test/fakes';

/**
 * Child-process entry: two fake OpenAI servers on loopback, `main` (short `stream-slow` chunk delay, for the
 * latency and throughput phases) and `long` (streams lasting ~10 s, for the memory phase). Prints
 * `READY {"main":PORT,"long":PORT}` and exits when stdin closes (the benchmark went away) or on SIGTERM.
 * Usage: node fake-provider-process.js MAIN_CHUNK_DELAY_MS LONG_CHUNK_DELAY_MS
 */
async function main(): Promise<void> {
  const [mainDelay, longDelay] = process.argv.slice(2).map(Number);
  const fakes = await Promise.all([
    startFakeOpenAI({ chunkDelayMs: mainDelay, record: false }),
    startFakeOpenAI({ chunkDelayMs: longDelay, record: false }),
  ]);
  const stop = (): void => {
    void Promise.allSettled(fakes.map((f) => f.stop())).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.stdin.once('end', stop).resume();
  process.stdout.write(`READY ${JSON.stringify({ main: fakes[0].port, long: fakes[1].port })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`fake provider: ${String(err)}\n`);
  process.exit(1);
});
