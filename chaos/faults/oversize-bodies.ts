import type { CallKind, CallRecord } from '../calls';
import { requestBody } from '../calls';
import { untilStarted } from '../load';
import { ANTHROPIC_MODEL, OPENAI_MODEL } from '../settings';
import { type Fault, allMixed200, mb, mixedLatency, ok } from './fault';

/**
 * Prompts of 2 MB (well under the 32 MB body limit, well over NATS's default 1 MB max_payload, which the private
 * nats-server keeps), of every format, streamed and not, sent among the mixed load: each must be answered and
 * get its row (its bodies cut in the record, flagged), and must not stall the recording of the calls behind it.
 */
export const oversizeBodies: Fault = {
  name: 'oversize-bodies',
  title: '2 MB prompts (over the bus max_payload) among the mixed calls',
  mode: 'distributed',
  cutMustHaveRow: true,
  allowedMissing: 0,
  async run(ctx) {
    const { s, stack } = ctx;
    const maxPayload = await stack.nats!.maxPayload();
    const filler = 'lorem ipsum dolor sit amet '
      .repeat(Math.ceil((s.oversize.promptMb * 1048576) / 27))
      .slice(0, s.oversize.promptMb * 1048576);
    const kinds: CallKind[] = ['chat', 'messages', 'responses'];
    const concurrency = 4;
    let next = 0;
    const started: number[] = [];
    await untilStarted(ctx.load, s, 0.1);
    const worker = async (): Promise<void> => {
      while (next < s.oversize.calls) {
        const i = next++;
        const kind = kinds[i % 3];
        started.push(performance.now());
        await ctx.ledger.send(stack.origin, ctx.agent, {
          group: 'oversize',
          kind,
          stream: i % 2 === 0,
          cacheable: false,
          model: kind === 'messages' ? ANTHROPIC_MODEL : OPENAI_MODEL,
          prompt: `${i} ${filler}`,
        });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const from = Math.min(...started);
    const to = performance.now();
    await ctx.load.done;
    const sample = JSON.stringify(
      requestBody({ group: '', kind: 'chat', stream: false, cacheable: false, model: OPENAI_MODEL, prompt: filler }),
    );
    ctx.evidence.bus = {
      maxPayloadBytes: maxPayload,
      requestBodyBytes: Buffer.byteLength(sample),
      overBy: Math.round((Buffer.byteLength(sample) / maxPayload) * 10) / 10,
    };
    ctx.evidence.mixedLatencyDuring = mixedLatency(ctx.ledger.calls, from, to);
    ctx.evidence.mixedLatencyAll = mixedLatency(ctx.ledger.calls);
  },
  checks(ctx, rows) {
    const calls: CallRecord[] = ctx.ledger.group('oversize');
    const answered200 = calls.filter((c) => c.outcome === 'answered' && c.status === 200);
    const withRow = calls.map((c) => (c.requestId ? rows.get(c.requestId) : undefined)).filter((r) => r !== undefined);
    const flagged = withRow.filter((r) => r.request_truncated);
    const bus = ctx.evidence.bus as { maxPayloadBytes: number; requestBodyBytes: number };
    ctx.evidence.oversizeRows = {
      rows: withRow.length,
      requestTruncated: flagged.length,
      minOriginalChars: withRow.length ? Math.min(...withRow.map((r) => Number(r.request_original_chars))) : 0,
    };
    return [
      ok(
        'the prompts were larger than the bus allows',
        bus.requestBodyBytes > bus.maxPayloadBytes,
        `${mb(bus.requestBodyBytes)} MB body vs max_payload ${mb(bus.maxPayloadBytes)} MB`,
      ),
      ok(
        'every 2 MB call answered 200',
        answered200.length === calls.length && calls.length === ctx.s.oversize.calls,
        `${answered200.length} of ${calls.length}`,
      ),
      ok(
        'every 2 MB call has a row, its request flagged truncated',
        withRow.length === calls.length && flagged.length === calls.length,
        `${withRow.length} rows, ${flagged.length} request_truncated`,
      ),
      allMixed200(ctx),
    ];
  },
};
