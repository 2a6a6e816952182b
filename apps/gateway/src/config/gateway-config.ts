import type { LoadedConfig } from '@lessllm/shared';

/** DI token for the validated configuration (a LoadedConfig). */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export type GatewayConfig = LoadedConfig;
