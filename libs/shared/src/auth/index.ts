export * from './admin-auth';
