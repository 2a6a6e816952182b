/**
 * The server app's public entry and the npm package's main export: the all-in-one server (`startLessLLM`) and the
 * client SDK.
 */
export * from '@lessllm/sdk';
export {
  startServer as startLessLLM,
  startServer,
  type RunningServer,
  type StartServerOptions,
} from './src/start-server';
