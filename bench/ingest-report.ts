import type { IngestResult, StageBreakdown } from './ingest';
import type { Goal } from './report';
import { SETTINGS } from './settings';

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const pct = (part: number, whole: number): string => `${fmt((part / whole) * 100)}%`;

/** `>= 20000 events/s` per analyzer replica; a slow or incomplete drain is a MISS, a failed phase too. */
export function ingestGoal(r: IngestResult): Goal {
  const target = SETTINGS.targets.ingestEventsPerSec;
  const measured = r.run?.eventsPerSec ?? Number.NaN;
  const pass = measured >= target;
  return {
    goal: 'analyzer ingest per replica (JetStream -> chDB)',
    measured,
    unit: 'events/s',
    target: `>= ${target} events/s`,
    pass,
    missBy: pass
      ? undefined
      : Number.isFinite(measured)
        ? `${fmt((measured / target - 1) * 100)}% below (${fmt(target / measured, 1)}x short)`
        : 'no measurement (phase failed)',
  };
}

function stageLine(s: StageBreakdown): string {
  const other = s.store - s.lookup - s.chdbInsert;
  return (
    `   ms per 1000 events (${s.batches} batches, one at a time): fetch ${fmt(s.fetch, 1)}, decode + ack ${fmt(s.decodeAck, 1)},` +
    ` enrich ${fmt(s.enrich, 1)}, store ${fmt(s.store, 1)} (id lookup ${fmt(s.lookup, 1)}, chDB INSERT ${fmt(s.chdbInsert, 1)},` +
    ` JSON lines + write queue ${fmt(other, 1)}); first pull to last ack ${fmt(s.total, 1)}`
  );
}

/** One line naming the stage that dominates, with the main thread's tokenizer share when profiled. */
function verdict(r: IngestResult): string | null {
  const s = r.run?.stages;
  if (!s) return null;
  const parts: Array<[string, number]> = [
    ['enrichment', s.enrich],
    ['chDB store', s.store],
    ['JetStream fetch', s.fetch],
    ['JSON decode + acks', s.decodeAck],
  ];
  parts.sort((a, b) => b[1] - a[1]);
  const cpu = r.profile?.cpu?.categories;
  const share = (name: string): number => cpu?.find((c) => c.name === name)?.pct ?? 0;
  const tokenizer = cpu
    ? ` (tokenizer ${fmt(share('tokenizer'))}% of the main thread, JSON decode ${fmt(share('JSON decode'))}%)`
    : '';
  const shares = parts.map(([name, ms]) => `${name} ${pct(ms, s.total)}`);
  return `   where the time goes: ${shares[0]} of the batch loop${parts[0][0] === 'enrichment' ? tokenizer : ''}, then ${shares.slice(1).join(', ')}`;
}

/** Section 5 of the report. */
export function renderIngest(r: IngestResult): string[] {
  const s = SETTINGS.ingest;
  const p = r.publish;
  const lines = [
    `5. Analyzer ingest: ${p?.events ?? s.events} CallEvents (~500-token chat, ${p ? fmt(p.avgEventBytes / 1024, 1) : '?'} KB each) pre-published to a private JetStream` +
      `${p ? ` (${fmt(p.streamMb, 1)} MB, ${fmt(p.eventsPerSec)} events/s)` : ''}, drained by one analyzer replica (embedded chDB, batch ${s.batchSize})`,
  ];
  const run = r.run;
  if (run) {
    lines.push(
      `   ${run.complete ? 'drained' : `INCOMPLETE after ${fmt(run.drainSeconds, 1)} s:`} ${run.rows}/${run.events} rows in ${fmt(run.drainSeconds, 2)} s after ready:` +
        ` ${fmt(run.eventsPerSec)} events/s (analyzer's own timeline ${fmt(run.analyzerEventsPerSec)}); startup ${fmt(run.startupSeconds, 1)} s,` +
        ` ${run.rowsAtReady} rows in at ready`,
      `   exactly once: ${run.exactlyOnce ? 'yes' : 'NO'}, ${run.storedRows} rows, ${run.distinctIds} distinct request_ids` +
        (run.consumer
          ? `; redelivered ${run.consumer.redelivered}, dead-lettered ${run.consumer.deadLettered}, failed batches ${run.consumer.failedBatches}`
          : ''),
      `   analyzer RSS: ready ${fmt(run.rssReadyMb, 1)} MB, median while the 1st / 2nd half of the rows arrived` +
        ` ${fmt(run.rssFirstHalfMb, 1)} / ${fmt(run.rssSecondHalfMb, 1)} MB, end ${fmt(run.rssEndMb, 1)} MB,` +
        ` peak ${fmt(run.rssPeakMb, 1)} MB; CPU: analyzer ${fmt(run.analyzerCores, 2)} cores, nats-server ${fmt(run.natsCores, 2)} cores`,
    );
    if (run.stages) lines.push(stageLine(run.stages));
  }
  const prof = r.profile;
  if (prof?.cpu) {
    const cats = prof.cpu.categories
      .filter((c) => c.pct >= 1)
      .map((c) => `${c.name} ${fmt(c.pct)}%`)
      .join(', ');
    const top = prof.cpu.top
      .slice(0, 4)
      .map((f) => `${f.fn} ${fmt(f.pct)}%`)
      .join(', ');
    lines.push(
      `   CPU profile of the analyzer's main thread (second drain, ${prof.events} events, ${fmt(prof.eventsPerSec)} events/s under --cpu-prof): ${cats}`,
      `   hottest functions: ${top}`,
    );
  } else if (r.profileError) {
    lines.push(`   CPU profile: failed (${r.profileError})`);
  }
  const why = verdict(r);
  if (why) lines.push(why);
  if (r.firstError) lines.push(`   first error: ${r.firstError}`);
  return lines;
}
