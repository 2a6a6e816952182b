import http from 'node:http';
import type { CallRecord } from '../calls';
import { requestBody } from '../calls';
import { sleep } from '../http';
import { untilStarted } from '../load';
import { CALLER_KEY, HOSTILE_ALIASES } from '../settings';
import { type Fault, allMixed200, mb, mixedLatency, ok, round } from './fault';

interface Reader {
  read: number;
  record: CallRecord;
  done: Promise<void>;
}

/**
 * Streaming callers that read slowly (`readKbPerSec` each, by pausing the socket) from a fast upstream that has
 * far more to send (the hostile upstream's `big-stream@N`, N MB each), for a few seconds, then hang up. With
 * backpressure the upstream only gets ahead of each reader by the socket buffers; without it the gateway drains
 * the upstream into its own memory. The callers hang up mid-stream: the gateway must record those calls too.
 */
export const slowReaders: Fault = {
  name: 'slow-readers',
  title: 'slow-reading stream callers on a fast, big upstream stream',
  mode: 'distributed',
  cutMustHaveRow: true,
  allowedMissing: 0,
  async run(ctx) {
    const { s, stack } = ctx;
    const cfg = s.slowReaders;
    const id = `big-stream@${cfg.streamMb}`;
    const before = (await ctx.upstreams.stats()).written[id] ?? 0;
    await untilStarted(ctx.load, s, 0.1);
    const from = performance.now();
    const agent = new http.Agent({ keepAlive: false });
    const readers: Reader[] = [];
    for (let i = 0; i < cfg.readers; i++) {
      const record: CallRecord = {
        group: 'slow-readers',
        kind: 'chat',
        stream: true,
        cacheable: false,
        model: HOSTILE_ALIASES.bigStream,
        outcome: 'unanswered',
        status: null,
        requestId: null,
        cache: null,
        bytes: 0,
        startedAt: performance.now(),
        ms: 0,
        error: null,
        refusedAttempts: 0,
      };
      const reader: Reader = { read: 0, record, done: Promise.resolve() };
      reader.done = new Promise<void>((resolve) => {
        const body = JSON.stringify(
          requestBody({
            group: '',
            kind: 'chat',
            stream: true,
            cacheable: false,
            model: HOSTILE_ALIASES.bigStream,
            prompt: `slow reader ${i}`,
          }),
        );
        const req = http.request(`${stack.origin}/v1/chat/completions`, {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${CALLER_KEY}`,
            'content-length': Buffer.byteLength(body),
          },
        });
        const finish = (): void => {
          record.ms = performance.now() - record.startedAt;
          record.bytes = reader.read;
          resolve();
        };
        req.on('error', (err) => {
          record.error ??= err.message;
          finish();
        });
        req.on('response', (res) => {
          record.status = res.statusCode ?? null;
          const rid = res.headers['x-request-id'];
          record.requestId = typeof rid === 'string' ? rid : null;
          record.outcome = 'cut';
          // A token bucket: after each chunk, pause until the reader's budget catches up.
          const t0 = performance.now();
          res.on('data', (chunk: Buffer) => {
            reader.read += chunk.length;
            const aheadMs = (reader.read / (cfg.readKbPerSec * 1024)) * 1000 - (performance.now() - t0);
            if (aheadMs > 5) {
              res.pause();
              setTimeout(() => res.resume(), aheadMs).unref();
            }
          });
          res.on('end', () => {
            record.outcome = 'answered';
            finish();
          });
          res.on('close', finish);
        });
        req.end(body);
        setTimeout(() => req.destroy(), cfg.readSeconds * 1000).unref();
      });
      readers.push(reader);
    }
    const samples: Array<{ atMs: number; writtenMb: number; readMb: number }> = [];
    let maxAheadMb = 0;
    let pending = readers.length;
    void Promise.all(readers.map((r) => r.done)).then(() => (pending = 0));
    while (pending > 0) {
      const written = ((await ctx.upstreams.stats()).written[id] ?? 0) - before;
      const read = readers.reduce((a, r) => a + r.read, 0);
      samples.push({ atMs: Math.round(performance.now() - from), writtenMb: mb(written), readMb: mb(read) });
      maxAheadMb = Math.max(maxAheadMb, (written - read) / 1048576);
      await sleep(250);
    }
    for (const r of readers) ctx.ledger.calls.push(r.record);
    ctx.ledger.sent += readers.length;
    const to = performance.now();
    // Let the upstream notice the hang-ups before reading its last count.
    await sleep(500);
    const writtenTotal = ((await ctx.upstreams.stats()).written[id] ?? 0) - before;
    const readTotal = readers.reduce((a, r) => a + r.read, 0);
    await ctx.load.done;
    agent.destroy();
    // How much the upstream wrote over the readers' last second (a drained upstream writes at loopback speed).
    const last = samples[samples.length - 1];
    const secondBefore = [...samples].reverse().find((x) => last && x.atMs <= last.atMs - 1_000);
    ctx.evidence.readers = {
      lastSecondGrowthMb: last && secondBefore ? round(last.writtenMb - secondBefore.writtenMb, 1) : Number.NaN,
      readersMbPerSecond: round((cfg.readers * cfg.readKbPerSec) / 1024, 2),
      count: cfg.readers,
      readKbPerSec: cfg.readKbPerSec,
      seconds: cfg.readSeconds,
      upstreamStreamMb: cfg.streamMb,
      upstreamCouldSendMb: cfg.readers * cfg.streamMb,
      upstreamWroteMb: mb(writtenTotal),
      callersReadMb: mb(readTotal),
      maxUpstreamAheadOfReadersMb: round(maxAheadMb, 1),
      maxAheadPerReaderMb: round(maxAheadMb / cfg.readers, 2),
    };
    ctx.evidence.samples = samples.filter((_, i) => i % 4 === 0);
    ctx.evidence.mixedLatencyDuring = mixedLatency(ctx.ledger.calls, from, to);
  },
  checks(ctx, rows) {
    const e = ctx.evidence.readers as {
      upstreamWroteMb: number;
      upstreamCouldSendMb: number;
      maxAheadPerReaderMb: number;
      callersReadMb: number;
      lastSecondGrowthMb: number;
      readersMbPerSecond: number;
    };
    const calls = ctx.ledger.group('slow-readers');
    const recorded = calls.filter((c) => c.requestId && rows.has(c.requestId));
    const gw = ctx.stack.memory.peakMb('gateway') ?? 0;
    return [
      ok(
        'the readers were slow: the upstream could send far more than they read',
        e.upstreamCouldSendMb > 4 * e.callersReadMb,
        `they read ${e.callersReadMb} MB of ${e.upstreamCouldSendMb} MB on offer`,
      ),
      ok(
        'backpressure: the upstream stayed within socket buffers (≤ 16 MB) of each reader, far from drained; the gateway did not hold it',
        e.upstreamWroteMb < e.upstreamCouldSendMb / 2 && e.maxAheadPerReaderMb <= 16 && gw < 512,
        `upstream wrote ${e.upstreamWroteMb} MB of ${e.upstreamCouldSendMb} MB, ${e.lastSecondGrowthMb} MB in the readers' last second (they read ${e.readersMbPerSecond} MB/s together); at most ${e.maxAheadPerReaderMb} MB ahead per reader (kernel socket buffers on both hops); gateway peak RSS ${gw} MB`,
      ),
      ok(
        'the streams the callers hung up on are recorded',
        recorded.length === calls.length,
        `${recorded.length} of ${calls.length} (statuses: ${[...new Set(recorded.map((c) => rows.get(c.requestId!)!.status))].join(', ')})`,
      ),
      allMixed200(ctx),
    ];
  },
};
