/** DI token of the router service's logger. */
export const ROUTER_LOGGER = Symbol('ROUTER_LOGGER');
