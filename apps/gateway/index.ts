/** The gateway app's public entry: what other apps (the all-in-one server) and tests may use. */
export { startGateway, type RunningGateway, type StartGatewayOptions } from './src/bootstrap';
