import pino, { type Logger } from 'pino';

/** Paths that may carry secrets; pino replaces them before a line is written. */
const REDACT = [
  'api_key',
  '*.api_key',
  'key',
  '*.key',
  'admin_key',
  '*.admin_key',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'headers["x-provider-api-key"]',
  '*.password',
];

export type AppLogger = Logger;

/** Structured JSON logs on stdout. Prompts and completions are never logged. */
export function createLogger(service: string, level = 'info'): AppLogger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '***' },
    formatters: { level: (label) => ({ level: label }) },
  });
}
