export * from './anthropic/api';
export * from './azure/api';
export * from './gemini/api';
export * from './openai/api';
export * from './registry';
export * from './translate';
