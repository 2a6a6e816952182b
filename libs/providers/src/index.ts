export * from './anthropic/api';
export { anthropicCallerHeaders, headerList } from './anthropic/caller-headers';
export * from './azure/api';
export * from './gemini/api';
export * from './openai/api';
export * from './registry';
export * from './retryable';
