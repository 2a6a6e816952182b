export * from './call-event-codec';
export * from './dead-letter';
export * from './jetstream-call-consumer';
export * from './jetstream-call-event-bus';
export * from './jetstream-setup';
export { NatsRouterClient } from './nats-router-client';
