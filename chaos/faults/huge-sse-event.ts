import { untilStarted } from '../load';
import { HOSTILE_ALIASES } from '../settings';
import { type Fault, allMixed200, mb, mixedLatency, ok } from './fault';

/**
 * An upstream sending one 50 MB SSE event (the hostile upstream's `huge-event@50`, under the 64 MB response
 * limit): the caller gets all of it, the row is kept with its response cut (flagged), and the gateway's parser
 * stays linear, so the other calls do not wait behind it.
 */
export const hugeSseEvent: Fault = {
  name: 'huge-sse-event',
  title: 'one 50 MB SSE event from the upstream, other calls beside it',
  mode: 'distributed',
  cutMustHaveRow: true,
  allowedMissing: 0,
  async run(ctx) {
    const { s, stack } = ctx;
    const before = await ctx.upstreams.stats();
    await untilStarted(ctx.load, s, 0.2);
    const from = performance.now();
    await Promise.all(
      Array.from({ length: s.hugeEvent.calls }, (_, i) =>
        ctx.ledger.send(stack.origin, ctx.agent, {
          group: 'huge-event',
          kind: 'chat',
          stream: true,
          cacheable: false,
          model: HOSTILE_ALIASES.hugeEvent,
          prompt: `huge event ${i}`,
        }),
      ),
    );
    const to = performance.now();
    const baseline = mixedLatency(ctx.ledger.calls, 0, from);
    await ctx.load.done;
    const after = await ctx.upstreams.stats();
    const id = `huge-event@${s.hugeEvent.eventMb}`;
    ctx.evidence.upstream = {
      model: id,
      mbWrittenByUpstream: mb((after.written[id] ?? 0) - (before.written[id] ?? 0)),
    };
    ctx.evidence.callers = ctx.ledger
      .group('huge-event')
      .map((c) => ({ status: c.status, outcome: c.outcome, mb: mb(c.bytes), ms: Math.round(c.ms) }));
    ctx.evidence.mixedLatencyBefore = baseline;
    ctx.evidence.mixedLatencyDuring = mixedLatency(ctx.ledger.calls, from, to);
  },
  checks(ctx, rows) {
    const calls = ctx.ledger.group('huge-event');
    const whole = calls.filter(
      (c) => c.outcome === 'answered' && c.status === 200 && c.bytes >= ctx.s.hugeEvent.eventMb * 1048576,
    );
    const flagged = calls.filter((c) => c.requestId && rows.get(c.requestId)?.response_truncated);
    const during = ctx.evidence.mixedLatencyDuring as { n: number; p50: number; p99: number };
    const gw = ctx.stack.memory.peakMb('gateway') ?? 0;
    return [
      ok(
        'gateway peak RSS stayed under 1 GB',
        gw < 1024,
        `${gw} MB with ${calls.length} × ${ctx.s.hugeEvent.eventMb} MB events at once`,
      ),
      ok(
        'the callers got the whole 50 MB event',
        whole.length === calls.length && calls.length === ctx.s.hugeEvent.calls,
        `${whole.length} of ${calls.length}: ${calls.map((c) => `${mb(c.bytes)} MB in ${Math.round(c.ms)} ms`).join(', ')}`,
      ),
      ok(
        'their rows are kept with the response cut (flagged)',
        flagged.length === calls.length,
        `${flagged.length} of ${calls.length} response_truncated`,
      ),
      ok(
        'other calls did not wait behind it (p50 < 1 s)',
        during.n === 0 || during.p50 < 1_000,
        `${during.n} mixed calls meanwhile: p50 ${during.p50} ms, p99 ${during.p99} ms`,
      ),
      allMixed200(ctx),
    ];
  },
};
