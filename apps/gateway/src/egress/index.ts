export { connectionTimingStore, newConnectionTiming, type ConnectionTiming } from './connection-timing';
export {
  createEgressConnector,
  type EgressConnector,
  type EgressConnectorOptions,
} from './connectors/egress-connector';
export { EgressDispatchers, type EgressDispatchersOptions } from './egress-dispatchers';
export { EgressError, type EgressErrorInit, type EgressStage } from './egress-error';
export { matchesNoProxy, resolveEgressRoute, type EgressRoute } from './egress-route';
