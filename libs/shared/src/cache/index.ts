export * from './response-cache-store.port';
