export * from './bounded-bodies';
export * from './call-event';
export * from './event-bus.port';
export * from './in-process-event-bus';
export * from './subjects';
