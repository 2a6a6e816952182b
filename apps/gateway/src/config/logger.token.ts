/** DI token for the gateway's pino logger. */
export const GATEWAY_LOGGER = Symbol('GATEWAY_LOGGER');
