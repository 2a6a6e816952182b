import { sleep } from '../http';
import { untilStarted } from '../load';
import { procState } from '../processes';
import { type Fault, allMixed200, mixedLatency, ok } from './fault';

/**
 * Redis blackholed: SIGSTOP (its sockets stay open, nothing answers) for a few seconds, then SIGCONT. Calls
 * must fail open (the cache bypassed within its lookup timeout), and readiness must say the cache is down.
 */
export const redisBlackhole: Fault = {
  name: 'redis-blackhole',
  title: 'redis-server SIGSTOP (blackholed) for a few seconds, then SIGCONT',
  mode: 'distributed',
  cutMustHaveRow: true,
  allowedMissing: 0,
  async run(ctx) {
    const { stack, s } = ctx;
    await untilStarted(ctx.load, s, 0.25);
    const pid = stack.redis.proc.pid;
    stack.redis.proc.signal('SIGSTOP');
    const stoppedAt = performance.now();
    await sleep(50); // the signal is delivered asynchronously
    const stateWhileStopped = procState(pid);
    let downAfterMs: number | null = null;
    let probes = 0;
    let probesSayingUp = 0;
    const statuses = new Set<string>();
    while (performance.now() - stoppedAt < s.redisBlackhole.stoppedMs) {
      const ready = await stack.gatewayReady(2_000);
      const cache = ready?.body.checks?.cache_store;
      probes++;
      if (cache) statuses.add(`${ready.body.status}: cache ${cache.status}`);
      if (cache?.status === 'up') probesSayingUp++;
      if (cache && cache.status !== 'up' && downAfterMs === null)
        downAfterMs = Math.round(performance.now() - stoppedAt);
      await sleep(100);
    }
    stack.redis.proc.signal('SIGCONT');
    const resumedAt = performance.now();
    const stateAfter = procState(pid);
    let upAgainAfterMs: number | null = null;
    while (performance.now() - resumedAt < 5_000) {
      const ready = await stack.gatewayReady(1_000);
      if (ready?.body.checks?.cache_store?.status === 'up') {
        upAgainAfterMs = Math.round(performance.now() - resumedAt);
        break;
      }
      await sleep(100);
    }
    ctx.log(`redis-server pid ${pid} stopped (state ${stateWhileStopped}) for ${s.redisBlackhole.stoppedMs} ms`);
    await ctx.load.done;
    ctx.evidence.redis = { pid, stateWhileStopped, stateAfter, stoppedMs: s.redisBlackhole.stoppedMs };
    ctx.evidence.readiness = {
      statuses: [...statuses],
      probesWhileStopped: probes,
      probesSayingUp,
      cacheDownAfterMs: downAfterMs,
      cacheUpAgainAfterMs: upAgainAfterMs,
    };
    ctx.evidence.mixedLatencyWhileStopped = mixedLatency(ctx.ledger.calls, stoppedAt, resumedAt);
    ctx.evidence.mixedLatencyAll = mixedLatency(ctx.ledger.calls);
    ctx.evidence.cacheHeaders = Object.fromEntries(
      ctx.ledger.calls.reduce(
        (m, c) => m.set(c.cache ?? 'none', (m.get(c.cache ?? 'none') ?? 0) + 1),
        new Map<string, number>(),
      ),
    );
  },
  checks(ctx) {
    const redis = ctx.evidence.redis as { stateWhileStopped: string | null };
    const readiness = ctx.evidence.readiness as {
      cacheDownAfterMs: number | null;
      statuses: string[];
      probesWhileStopped: number;
      probesSayingUp: number;
    };
    const during = ctx.evidence.mixedLatencyWhileStopped as { n: number; p99: number };
    return [
      ok('redis-server was stopped (state T)', redis.stateWhileStopped === 'T', `state ${redis.stateWhileStopped}`),
      ok(
        'readiness said the cache was down from the first probe after the stop (answered within 1.5 s)',
        readiness.probesSayingUp === 0 && readiness.cacheDownAfterMs !== null && readiness.cacheDownAfterMs <= 1_500,
        `${readiness.probesWhileStopped} probes, ${readiness.probesSayingUp} said up; first answer after ${readiness.cacheDownAfterMs} ms (its Redis PING waits 300 ms); seen: ${readiness.statuses.join(' | ')}`,
      ),
      ok(
        'calls went on while Redis was stopped',
        during.n > 0,
        `${during.n} mixed calls started and answered in the window, p99 ${during.p99} ms`,
      ),
      allMixed200(ctx),
    ];
  },
};
