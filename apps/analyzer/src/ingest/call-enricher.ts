import type { ApiCallRow, CallEvent } from '@lessllm/shared';

/** Turns one CallEvent into its api_calls row (token counts, cost, cache prediction). */
export interface CallEnricher {
  toRow(event: CallEvent): Promise<ApiCallRow>;
  /** Releases connections (e.g. the shared prefix store). */
  close?(): Promise<void>;
}
