import { untilStarted } from '../load';
import { HOSTILE_ALIASES } from '../settings';
import { type Fault, allMixed200, mb, mixedLatency, ok } from './fault';

/**
 * An upstream answering 200 MB in one non-streamed JSON body (the hostile upstream's `huge-json@200`): over
 * `limits.upstream_response_mb` (64 by default), so the gateway must stop reading and answer a clean 502, record
 * it, and keep its memory bounded.
 */
export const hugeAnswer: Fault = {
  name: 'huge-answer',
  title: '200 MB non-streamed upstream answer (over limits.upstream_response_mb)',
  mode: 'distributed',
  cutMustHaveRow: true,
  allowedMissing: 0,
  async run(ctx) {
    const { s, stack } = ctx;
    const before = await ctx.upstreams.stats();
    await untilStarted(ctx.load, s, 0.2);
    const from = performance.now();
    // One after the other: the hostile upstream builds each 200 MB body in memory.
    for (let i = 0; i < s.hugeAnswer.calls; i++) {
      await ctx.ledger.send(stack.origin, ctx.agent, {
        group: 'huge-answer',
        kind: 'chat',
        stream: false,
        cacheable: false,
        model: HOSTILE_ALIASES.hugeJson,
        prompt: `huge answer ${i}`,
      });
    }
    const to = performance.now();
    await ctx.load.done;
    const after = await ctx.upstreams.stats();
    const id = `huge-json@${s.hugeAnswer.answerMb}`;
    ctx.evidence.upstream = {
      model: id,
      mbWrittenByUpstream: mb((after.written[id] ?? 0) - (before.written[id] ?? 0)),
      responsesClosedEarlyByGateway: after.closedEarly - before.closedEarly,
    };
    ctx.evidence.callers = ctx.ledger
      .group('huge-answer')
      .map((c) => ({ status: c.status, bytes: c.bytes, ms: Math.round(c.ms) }));
    ctx.evidence.mixedLatencyDuring = mixedLatency(ctx.ledger.calls, from, to);
  },
  checks(ctx, rows) {
    const calls = ctx.ledger.group('huge-answer');
    const is502 = calls.filter((c) => c.outcome === 'answered' && c.status === 502);
    const recorded = calls.filter((c) => c.requestId && rows.get(c.requestId)?.status === 'error');
    const up = ctx.evidence.upstream as { mbWrittenByUpstream: number; responsesClosedEarlyByGateway: number };
    const gw = ctx.stack.memory.peakMb('gateway') ?? 0;
    return [
      ok(
        'the upstream really offered 200 MB answers (handed to its socket whole)',
        up.mbWrittenByUpstream >= ctx.s.hugeAnswer.answerMb * calls.length,
        `${up.mbWrittenByUpstream} MB written; ${up.responsesClosedEarlyByGateway} closed early by the gateway`,
      ),
      ok(
        'each got a clean 502',
        is502.length === calls.length && calls.length === ctx.s.hugeAnswer.calls,
        `statuses: ${calls.map((c) => c.status ?? c.outcome).join(', ')}`,
      ),
      ok('each is recorded as an error', recorded.length === calls.length, `${recorded.length} of ${calls.length}`),
      ok('gateway peak RSS stayed under 1 GB', gw < 1024, `${gw} MB`),
      allMixed200(ctx),
    ];
  },
};
