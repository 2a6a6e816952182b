import { sleep } from '../http';
import { untilStarted } from '../load';
import { type Fault, allMixed200, ok } from './fault';

interface Kill {
  pid: number;
  signal: string | null;
  /** Consumer state when the kill landed: not yet delivered, delivered but unacknowledged. */
  pending: number;
  ackPending: number;
  /** The analyzer had acknowledged something since it (re)started: it was draining. */
  draining: boolean;
  newPid: number;
}

/**
 * `kill -9` of the analyzer while it drains a backlog, several times: it is killed, stays down while the gateway
 * keeps publishing (the backlog grows), is started again and killed again as soon as it has acknowledged its
 * first batches, the rest of the backlog still waiting. Small batches and a short ack_wait make the kills land
 * mid-batch and the redelivery quick: what it had inserted but not acknowledged comes back, and must neither
 * duplicate a row nor leave the rollup off.
 */
export const analyzerKill: Fault = {
  name: 'analyzer-kill',
  title: 'analyzer kill -9 while draining (repeatedly)',
  mode: 'distributed',
  cutMustHaveRow: true,
  allowedMissing: 0,
  async run(ctx) {
    const { stack, s } = ctx;
    const nats = stack.nats!;
    const kills: Kill[] = [];
    await untilStarted(ctx.load, s, 0.1);
    for (let k = 0; k < s.analyzerKill.kills; k++) {
      const proc = stack.analyzer!;
      // Once it has (re)started: wait until it acknowledges something while more waits, then kill.
      const startFloor = (await nats.consumer())?.ackFloor ?? 0;
      const deadline = performance.now() + 5_000;
      let state = await nats.consumer();
      while (performance.now() < deadline) {
        state = await nats.consumer();
        if (state && state.ackFloor > startFloor && state.pending + state.ackPending > 0) break;
        await sleep(20);
      }
      proc.signal('SIGKILL');
      const exit = await proc.exited;
      ctx.log(
        `analyzer pid ${proc.pid} killed (${exit.signal}), backlog ${state?.pending ?? '?'}+${state?.ackPending ?? '?'}`,
      );
      await sleep(s.analyzerKill.downMs);
      const t = performance.now();
      const next = await stack.startAnalyzer();
      ctx.log(`analyzer restarted as ${next.pid} in ${Math.round(performance.now() - t)} ms`);
      kills.push({
        pid: proc.pid,
        signal: exit.signal,
        pending: state?.pending ?? -1,
        ackPending: state?.ackPending ?? -1,
        draining: (state?.ackFloor ?? 0) > startFloor,
        newPid: next.pid,
      });
    }
    await ctx.load.done;
    ctx.evidence.kills = kills;
  },
  checks(ctx) {
    const kills = (ctx.evidence.kills ?? []) as Kill[];
    const withBacklog = kills.filter((k) => k.signal === 'SIGKILL' && k.pending + k.ackPending > 0);
    return [
      ok(
        'each kill -9 landed with a backlog waiting',
        kills.length === ctx.s.analyzerKill.kills && withBacklog.length === kills.length,
        kills.map((k) => `pid ${k.pid} ${k.signal} backlog ${k.pending}+${k.ackPending} -> pid ${k.newPid}`).join('; '),
      ),
      allMixed200(ctx),
    ];
  },
};
