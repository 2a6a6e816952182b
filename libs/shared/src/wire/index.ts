export * from './anthropic.types';
export * from './openai.types';
export * from './sse';
