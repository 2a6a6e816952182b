export * from './config';
export * from './errors';
export * from './events';
export * from './logging';
export * from './providers';
export * from './wire';
export * from './store';
