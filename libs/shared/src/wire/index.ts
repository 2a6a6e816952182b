export * from './anthropic.types';
export * from './completions.types';
export * from './openai.types';
export * from './responses.types';
export * from './sse';
