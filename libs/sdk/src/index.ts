export {
  LessLLMApiError,
  LessLLMClient,
  formatFromPath,
  type CacheFilter,
  type ExportOptions,
  type LessLLMClientOptions,
} from './client';
