import type { CallRecord } from '../calls';
import { sleep } from '../http';
import { untilStarted } from '../load';
import { HOSTILE_ALIASES } from '../settings';
import { type Fault, describeFailures, ok, round } from './fault';

/**
 * SIGTERM of the gateway while streams that never end are open (the hostile upstream's `endless-stream`) and the
 * mixed load runs: readiness must turn 503 at once, in-flight calls get `server.drain_s`, then the endless streams
 * are cut and recorded as aborted, and the process exits on its own. It is started again on the same port; calls
 * sent while it was away are refused (not answered: no row due).
 */
export const gatewaySigterm: Fault = {
  name: 'gateway-sigterm',
  title: 'gateway SIGTERM with open endless streams (drain, then restart)',
  mode: 'distributed',
  cutMustHaveRow: true,
  allowedMissing: 0,
  async run(ctx) {
    const { stack, s } = ctx;
    const n = s.gatewaySigterm.openStreams;
    let headers = 0;
    const origin = stack.origin;
    const streams: Promise<CallRecord>[] = [];
    for (let i = 0; i < n; i++) {
      streams.push(
        ctx.ledger.send(origin, ctx.agent, {
          group: 'open-streams',
          kind: 'chat',
          stream: true,
          cacheable: false,
          model: HOSTILE_ALIASES.endless,
          prompt: `endless ${i}`,
          timeoutMs: 60_000,
          onHeaders: () => void headers++,
        }),
      );
    }
    const t = performance.now();
    while (headers < n && performance.now() - t < 10_000) await sleep(20);
    await untilStarted(ctx.load, s, 0.3);
    const proc = stack.gateway!;
    const inFlight = (await stack.gatewayReady())?.body.in_flight ?? null;
    const termAt = performance.now();
    proc.signal('SIGTERM');
    let readyFalseAfterMs: number | null = null;
    let readyBody = '';
    while (proc.alive()) {
      const ready = await stack.gatewayReady(500);
      if (ready && ready.status === 503 && readyFalseAfterMs === null) {
        readyFalseAfterMs = Math.round(performance.now() - termAt);
        readyBody = ready.body.status;
      }
      if (readyFalseAfterMs !== null) break;
      if (performance.now() - termAt > 5_000) break;
      await sleep(25);
    }
    const exit = await proc.exited;
    const exitAfterMs = Math.round(exit.at - termAt);
    ctx.log(
      `gateway pid ${proc.pid} SIGTERM -> 503 after ${readyFalseAfterMs} ms, exit code ${exit.code} after ${exitAfterMs} ms`,
    );
    await sleep(s.gatewaySigterm.downMs);
    const next = await stack.startGateway();
    const cut = await Promise.all(streams);
    await ctx.load.done;
    ctx.evidence.sigterm = {
      pid: proc.pid,
      inFlightAtSigterm: inFlight,
      openStreamsWithHeaders: headers,
      readinessFalseAfterMs: readyFalseAfterMs,
      readinessStatus: readyBody,
      exitCode: exit.code,
      exitSignal: exit.signal,
      exitAfterMs,
      expectedExitMs: (s.shutdownDelayS + s.drainS) * 1000,
      newPid: next.pid,
    };
    ctx.evidence.openStreams = {
      cut: cut.filter((c) => c.outcome === 'cut').length,
      answered: cut.filter((c) => c.outcome === 'answered').length,
      unanswered: cut.filter((c) => c.outcome === 'unanswered').length,
      mbReceived: round(cut.reduce((a, c) => a + c.bytes, 0) / 1048576, 2),
      heldMs: round(Math.min(...cut.map((c) => c.ms))),
    };
    const mixed = ctx.ledger.group('mixed');
    const refused = mixed.filter((c) => c.outcome === 'unanswered');
    ctx.evidence.mixedNotAnswered = { count: refused.length, how: describeFailures(refused) };
  },
  checks(ctx, rows) {
    const e = ctx.evidence.sigterm as {
      readinessFalseAfterMs: number | null;
      exitCode: number | null;
      exitAfterMs: number;
      expectedExitMs: number;
      openStreamsWithHeaders: number;
      newPid: number;
      pid: number;
    };
    const streams = ctx.ledger.group('open-streams');
    const aborted = streams.filter((c) => c.requestId && rows.get(c.requestId)?.status === 'aborted').length;
    const statuses = [
      ...new Set(streams.map((c) => (c.requestId ? (rows.get(c.requestId)?.status ?? 'no row') : 'no id'))),
    ];
    return [
      ok(
        'every endless stream was open at SIGTERM',
        e.openStreamsWithHeaders === ctx.s.gatewaySigterm.openStreams,
        `${e.openStreamsWithHeaders} of ${ctx.s.gatewaySigterm.openStreams}`,
      ),
      ok(
        'readiness 503 within 500 ms of SIGTERM',
        e.readinessFalseAfterMs !== null && e.readinessFalseAfterMs <= 500,
        `${e.readinessFalseAfterMs} ms`,
      ),
      ok(
        'exited on its own (code 0) after shutdown_delay_s + drain_s, not later',
        e.exitCode === 0 && e.exitAfterMs >= e.expectedExitMs - 500 && e.exitAfterMs <= e.expectedExitMs + 5_000,
        `code ${e.exitCode} after ${e.exitAfterMs} ms (shutdown_delay_s + drain_s = ${e.expectedExitMs} ms); pid ${e.pid} -> ${e.newPid}`,
      ),
      ok(
        'the cut streams were recorded as aborted',
        aborted === streams.length,
        `${aborted} of ${streams.length} (row statuses: ${statuses.join(', ')})`,
      ),
    ];
  },
};
