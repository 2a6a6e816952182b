export { ApiExceptionFilter } from './api-exception.filter';
export { errorBodyForPath } from './error-body';
export { MetricsController } from './metrics.controller';
export { NestPinoLogger } from './nest-pino-logger';
