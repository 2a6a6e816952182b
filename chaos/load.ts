import { seededRandom } from '@lessllm/shared';
import type { Agent } from 'undici';
import { type CallRecord, type CallSpec, mixedSpec, sendCall } from './calls';
import { sleep } from './http';
import type { ChaosSettings } from './settings';

/**
 * Every call a fault's run sent (the mixed load and the fault's own), and the open-loop mixed load: `calls` calls
 * started at `rate` per second, at most `maxInFlight` at once (a start waits for a free slot, so a stalled gateway
 * slows the load instead of piling up sockets).
 */
export class Ledger {
  readonly calls: CallRecord[] = [];
  /** Calls started and not yet ended. */
  inFlight = 0;
  sent = 0;

  async send(origin: string, agent: Agent, spec: CallSpec): Promise<CallRecord> {
    this.sent++;
    this.inFlight++;
    try {
      const record = await sendCall(origin, agent, spec);
      this.calls.push(record);
      return record;
    } finally {
      this.inFlight--;
    }
  }

  group(name: string): CallRecord[] {
    return this.calls.filter((c) => c.group === name);
  }
}

export interface MixedLoad {
  /** Mixed calls started so far. */
  started(): number;
  /** Resolves when every mixed call has ended. */
  done: Promise<void>;
}

export function startMixedLoad(
  ledger: Ledger,
  origin: () => string,
  agent: Agent,
  s: ChaosSettings,
  seed: number,
): MixedLoad {
  const random = seededRandom(seed); // two runs send the same mix
  let started = 0;
  let active = 0;
  const pending = new Set<Promise<unknown>>();
  const t0 = performance.now();
  const done = (async () => {
    for (let i = 0; i < s.calls; i++) {
      const due = t0 + (i * 1000) / s.rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      while (active >= s.maxInFlight) await sleep(2);
      active++;
      started++;
      const p = ledger.send(origin(), agent, mixedSpec(i, random, s)).finally(() => {
        active--;
        pending.delete(p);
      });
      pending.add(p);
    }
    await Promise.allSettled([...pending]);
  })();
  return { started: () => started, done };
}

/** Resolves once `fraction` of the mixed load has been started. */
export async function untilStarted(load: MixedLoad, s: ChaosSettings, fraction: number): Promise<void> {
  const target = Math.floor(s.calls * fraction);
  while (load.started() < target) await sleep(20);
}
