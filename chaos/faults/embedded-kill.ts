import { metricValue, sleep } from '../http';
import { untilStarted } from '../load';
import { type Fault, describeFailures, ok } from './fault';

/**
 * `kill -9` of `lessllm server` (embedded: in-process bus, local spool, chDB) while calls flow, then a restart on
 * the same port and data folder: the spool is replayed. Calls in flight at the kill are cut (no row due: the
 * process that would have recorded them is gone); answered calls may be missing only within the spool's
 * documented window (an event not yet written to it when the kill landed).
 */
export const embeddedKill: Fault = {
  name: 'embedded-kill',
  title: 'lessllm server (embedded) kill -9 while calls flow, restart replays the spool',
  mode: 'embedded',
  cutMustHaveRow: false,
  allowedMissing: 5,
  async run(ctx) {
    const { stack, s } = ctx;
    const kills: Array<{ pid: number; signal: string | null; inFlight: number; newPid: number; replayed: number }> = [];
    for (let k = 0; k < s.embeddedKill.kills; k++) {
      await untilStarted(ctx.load, s, (k + 1) / (s.embeddedKill.kills + 1));
      const proc = stack.gateway!;
      const inFlight = ctx.ledger.inFlight;
      proc.signal('SIGKILL');
      const exit = await proc.exited;
      await sleep(s.embeddedKill.downMs);
      const next = await stack.startGateway();
      // The replay runs beside new calls; give it a moment before reading its counter.
      await sleep(1_000);
      const replayed = metricValue(await stack.gatewayMetrics(), 'lessllm_embedded_ingest_events_total', {
        outcome: 'replayed',
      });
      ctx.log(
        `server pid ${proc.pid} killed (${exit.signal}) with ${inFlight} calls in flight; restarted as ${next.pid}, ${replayed} events replayed from the spool`,
      );
      kills.push({ pid: proc.pid, signal: exit.signal, inFlight, newPid: next.pid, replayed });
    }
    await ctx.load.done;
    ctx.evidence.kills = kills;
    const mixed = ctx.ledger.group('mixed');
    const lost = mixed.filter((c) => c.outcome !== 'answered');
    ctx.evidence.mixedNotAnswered = { count: lost.length, how: describeFailures(lost) };
  },
  checks(ctx) {
    const kills = (ctx.evidence.kills ?? []) as Array<{
      pid: number;
      signal: string | null;
      newPid: number;
      replayed: number;
    }>;
    return [
      ok(
        'each kill -9 landed and the server came back as another pid',
        kills.length === ctx.s.embeddedKill.kills && kills.every((k) => k.signal === 'SIGKILL' && k.newPid !== k.pid),
        kills.map((k) => `pid ${k.pid} ${k.signal} -> ${k.newPid} (replayed ${k.replayed})`).join('; '),
      ),
    ];
  },
};
