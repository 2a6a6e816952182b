export {
  startServer as startLessLLM,
  type RunningServer,
  type StartServerOptions,
} from '../../../apps/server/src/start-server';
export {
  LessLLMApiError,
  LessLLMClient,
  formatFromPath,
  type CacheFilter,
  type ExportOptions,
  type LessLLMClientOptions,
} from './client';
