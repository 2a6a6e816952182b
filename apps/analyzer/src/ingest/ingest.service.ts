import type { CallEvent, CallStore, InsertCallsOptions } from '@lessllm/shared';
import type { CallEnricher } from './call-enricher';

/**
 * Enriches a batch of events and writes it; resolves only once the store has the rows (then it is safe to ack).
 * `options.redelivered` names events an earlier attempt may have written in part: the store heals their rollup.
 */
export class IngestService {
  constructor(
    private readonly enricher: CallEnricher,
    private readonly store: CallStore,
  ) {}

  async ingest(events: CallEvent[], options?: InsertCallsOptions): Promise<{ inserted: number; duplicates: number }> {
    if (events.length === 0) return { inserted: 0, duplicates: 0 };
    const rows = await Promise.all(events.map((event) => this.enricher.toRow(event)));
    const inserted = await this.store.insertCalls(rows, options);
    return { inserted, duplicates: rows.length - inserted };
  }
}
