import { sleep } from '../http';
import { untilStarted } from '../load';
import { type Fault, allMixed200, ok } from './fault';

/**
 * `kill -9` of nats-server (JetStream on disk) in the middle of the load; it stays down for a while, then starts
 * again on the same port and store. The gateway must keep answering, buffer the events (its readiness says so)
 * and publish them once NATS is back; the analyzer reconnects and drains.
 */
export const natsKill: Fault = {
  name: 'nats-kill',
  title: 'nats-server kill -9, down a few seconds, restarted on the same store',
  mode: 'distributed',
  cutMustHaveRow: true,
  allowedMissing: 0,
  async run(ctx) {
    const { stack, s } = ctx;
    await untilStarted(ctx.load, s, 0.25);
    const proc = stack.nats!.proc;
    proc.signal('SIGKILL');
    const exit = await proc.exited;
    const killedAt = performance.now();
    let maxBuffered = 0;
    const statuses = new Set<string>();
    while (performance.now() - killedAt < s.natsKill.downMs) {
      const ready = await stack.gatewayReady(500);
      const bus = ready?.body.checks?.event_bus;
      if (bus) {
        statuses.add(bus.status);
        maxBuffered = Math.max(maxBuffered, bus.buffered ?? 0);
      }
      await sleep(100);
    }
    const next = await stack.restartNats();
    ctx.log(
      `nats-server pid ${proc.pid} killed (${exit.signal}); gateway buffered up to ${maxBuffered}; restarted as ${next.pid}`,
    );
    await ctx.load.done;
    const left = await stack.eventsFlushed(30_000);
    ctx.evidence.killed = { pid: proc.pid, signal: exit.signal, newPid: next.pid, downMs: s.natsKill.downMs };
    ctx.evidence.gatewayBusWhileDown = { statuses: [...statuses], maxBuffered };
    ctx.evidence.bufferedAfterLoad = left;
  },
  checks(ctx) {
    const killed = ctx.evidence.killed as { signal: string | null; pid: number; newPid: number };
    const bus = ctx.evidence.gatewayBusWhileDown as { statuses: string[]; maxBuffered: number };
    return [
      ok(
        'nats-server died of SIGKILL and came back as another pid',
        killed.signal === 'SIGKILL' && killed.newPid !== killed.pid,
        `pid ${killed.pid} ${killed.signal} -> ${killed.newPid}`,
      ),
      ok(
        'the gateway buffered events while NATS was down',
        bus.maxBuffered > 0,
        `up to ${bus.maxBuffered} buffered; bus status seen: ${bus.statuses.join(' | ')}`,
      ),
      ok(
        'the buffer drained',
        ctx.evidence.bufferedAfterLoad === 0,
        `buffered after the load: ${String(ctx.evidence.bufferedAfterLoad)}`,
      ),
      allMixed200(ctx),
    ];
  },
};
