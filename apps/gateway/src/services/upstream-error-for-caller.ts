import { anthropicErrorToOpenAI, openaiErrorToAnthropic } from '@lessllm/providers';
import type { ApiFormat, OpenAIErrorBody } from '@lessllm/shared';
import type { UpstreamFailure } from './upstream-failure';

function parseOrText(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

const hasErrorObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && typeof (value as { error?: unknown }).error === 'object';

export interface CallerError {
  status: number;
  body: string;
  type: string;
  message: string;
}

/** The upstream's error as the caller's SDK expects it: untouched when formats match, translated otherwise. */
export function upstreamErrorForCaller(callerFormat: ApiFormat, failure: UpstreamFailure): CallerError {
  const status = failure.details.status ?? 502;
  const raw = failure.details.body ?? '';
  const parsed = parseOrText(raw);
  const wire = failure.details.wireFormat;
  // OpenAI shape first: it is what both the summary and an OpenAI caller need.
  const asOpenAI: OpenAIErrorBody =
    wire === 'openai' && hasErrorObject(parsed) ? (parsed as OpenAIErrorBody) : anthropicErrorToOpenAI(parsed, status);
  const summary = { type: asOpenAI.error.type, message: asOpenAI.error.message };
  if (callerFormat === wire && hasErrorObject(parsed)) return { status, body: raw, ...summary };
  const body = callerFormat === 'openai' ? asOpenAI : openaiErrorToAnthropic(asOpenAI, status);
  return { status, body: JSON.stringify(body), ...summary };
}
