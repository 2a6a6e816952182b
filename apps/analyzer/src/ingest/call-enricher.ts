import type { ApiCallRow, CallEvent } from '@lessllm/shared';

/** Turns one CallEvent into its api_calls row (token counts, cost, cache prediction). */
export interface CallEnricher {
  toRow(event: CallEvent): Promise<ApiCallRow>;
}
