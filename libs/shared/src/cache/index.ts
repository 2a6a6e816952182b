export * from './response-cache-store.port';
export * from './store-key';
