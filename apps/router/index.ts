/** The router app's public entry: the routing service (the engine and classifiers are @lessllm/routing). */
export { startRouter, type RunningRouter, type StartRouterOptions } from './src/start-router';
