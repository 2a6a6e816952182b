/** OpenAI legacy Completions wire types (`POST /v1/completions`). */

export interface CompletionsChoice {
  index: number;
  text: string;
  logprobs: unknown;
  finish_reason: 'stop' | 'length' | 'content_filter' | null;
}

export interface CompletionsResponse {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: CompletionsChoice[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; [key: string]: unknown };
  system_fingerprint?: string;
  [key: string]: unknown;
}
