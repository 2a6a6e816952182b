export { apiCallsTtlStatement } from './0001_api_calls';
export { MIGRATIONS } from './all';
export type { Migration } from './migration';
export { Migrator } from './migrator';
