export * from './config';
export * from './errors';
export * from './events';
export * from './logging';
export * from './pricing';
export * from './providers';
export * from './store';
export * from './wire';
