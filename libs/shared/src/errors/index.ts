export * from './gateway-error';
export * from './redact';
