/** OpenAI Responses API wire types (the subset a gateway must understand; unknown fields pass through). */

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number; [key: string]: unknown } | null;
  output_tokens: number;
  output_tokens_details?: { reasoning_tokens?: number; [key: string]: unknown } | null;
  total_tokens: number;
  [key: string]: unknown;
}

export interface ResponsesOutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs?: unknown[];
}

export interface ResponsesRefusal {
  type: 'refusal';
  refusal: string;
}

export interface ResponsesMessageItem {
  id: string;
  type: 'message';
  status: 'in_progress' | 'completed' | 'incomplete';
  role: 'assistant';
  content: Array<ResponsesOutputText | ResponsesRefusal>;
  [key: string]: unknown;
}

export interface ResponsesFunctionCallItem {
  id: string;
  type: 'function_call';
  status: 'in_progress' | 'completed' | 'incomplete';
  call_id: string;
  name: string;
  arguments: string;
  [key: string]: unknown;
}

export interface ResponsesCustomToolCallItem {
  id: string;
  type: 'custom_tool_call';
  status?: 'in_progress' | 'completed' | 'incomplete';
  call_id: string;
  name: string;
  input: string;
  [key: string]: unknown;
}

export interface ResponsesReasoningItem {
  id: string;
  type: 'reasoning';
  summary: Array<{ type: 'summary_text'; text: string }>;
  encrypted_content?: string | null;
  content?: Array<{ type: 'reasoning_text'; text: string }>;
  [key: string]: unknown;
}

export type ResponsesOutputItem =
  | ResponsesMessageItem
  | ResponsesFunctionCallItem
  | ResponsesCustomToolCallItem
  | ResponsesReasoningItem
  | { id?: string; type: string; [key: string]: unknown };

export type ResponsesStatus = 'completed' | 'failed' | 'in_progress' | 'cancelled' | 'queued' | 'incomplete';

export interface ResponsesResponse {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponsesStatus;
  error: { code: string; message: string } | null;
  /** `max_output_tokens` or `content_filter`. */
  incomplete_details: { reason: string } | null;
  model: string;
  output: ResponsesOutputItem[];
  usage: ResponsesUsage | null;
  [key: string]: unknown;
}

/** A streamed event: `type` names it, `sequence_number` orders the whole stream. */
export interface ResponsesStreamEvent {
  type: string;
  sequence_number: number;
  [key: string]: unknown;
}
