export * from './provider-adapter.port';
