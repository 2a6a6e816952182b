import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeAnthropic, startFakeOpenAI } from '../test/fakes';
import { startHostileUpstream } from '../test/fakes/hostile-upstream';

/**
 * Child-process entry: the LLM providers of the chaos suite, all fakes, on loopback: the fake OpenAI (Chat
 * Completions and Responses), the fake Anthropic (Messages) and the hostile upstream (`big-stream@N`,
 * `huge-event@N`, `huge-json@N`, `endless-stream`). A small stats server tells what the hostile upstream managed to
 * write per model (`GET /stats`: {"written": {"big-stream@5": bytes}, "closedEarly": n}). Prints
 * `READY {"openai":PORT,"anthropic":PORT,"hostile":PORT,"stats":PORT}`; exits when stdin closes or on SIGTERM.
 */
export interface UpstreamStats {
  written: Record<string, number>;
  closedEarly: number;
}

async function main(): Promise<void> {
  const [openai, anthropic, hostile] = await Promise.all([
    startFakeOpenAI({ record: false }),
    startFakeAnthropic({ record: false }),
    startHostileUpstream(),
  ]);
  const stats = http.createServer((_req, res) => {
    const body: UpstreamStats = { written: Object.fromEntries(hostile.written), closedEarly: hostile.closedEarly };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => stats.listen(0, '127.0.0.1', resolve));
  const stop = (): void => {
    stats.close();
    void Promise.allSettled([openai.stop(), anthropic.stop(), hostile.stop()]).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.stdin.once('end', stop).resume();
  const ports = {
    openai: openai.port,
    anthropic: anthropic.port,
    hostile: Number(new URL(hostile.url).port),
    stats: (stats.address() as AddressInfo).port,
  };
  process.stdout.write(`READY ${JSON.stringify(ports)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos upstreams: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
