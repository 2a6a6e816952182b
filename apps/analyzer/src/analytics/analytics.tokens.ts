/** DI token for the LoadedConfig the analytics module reads (auth). */
export const ANALYTICS_CONFIG = Symbol('ANALYTICS_CONFIG');
