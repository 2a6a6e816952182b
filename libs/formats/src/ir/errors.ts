/**
 * An error in the one shape every format can express: OpenAI's error object (message, type, code, param) plus the
 * HTTP status it stands for. Formats decode their upstream error bodies and stream error events into it and encode
 * it back for the caller; an error between two same-format parties is passed through untouched instead.
 */
export interface NormalizedError {
  status: number;
  message: string;
  type: string;
  code: string | null;
  param: string | null;
}
