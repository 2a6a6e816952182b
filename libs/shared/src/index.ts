export * from './config';
export * from './errors';
export * from './events';
export * from './wire';
export * from './providers';
export * from './logging';
