/**
 * One taxonomy for every error the gateway itself raises. Each kind has a stable code,
 * an HTTP status and the error type used in each caller API format.
 */
export type GatewayErrorKind =
  | 'invalid_request'
  | 'unsupported_feature'
  | 'authentication'
  | 'permission'
  | 'model_not_found'
  | 'not_found'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'upstream_unreachable'
  | 'upstream_timeout'
  | 'upstream_protocol'
  | 'store_unavailable'
  | 'shutting_down'
  | 'internal';

export interface ErrorKindInfo {
  status: number;
  openaiType: string;
  anthropicType: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export function errorKindInfo(kind: GatewayErrorKind): ErrorKindInfo {
  switch (kind) {
    case 'invalid_request':
      return {
        status: 400,
        openaiType: 'invalid_request_error',
        anthropicType: 'invalid_request_error',
        logLevel: 'info',
      };
    case 'unsupported_feature':
      return {
        status: 400,
        openaiType: 'invalid_request_error',
        anthropicType: 'invalid_request_error',
        logLevel: 'info',
      };
    case 'authentication':
      return {
        status: 401,
        openaiType: 'authentication_error',
        anthropicType: 'authentication_error',
        logLevel: 'info',
      };
    case 'permission':
      return { status: 403, openaiType: 'permission_error', anthropicType: 'permission_error', logLevel: 'info' };
    case 'model_not_found':
      return { status: 404, openaiType: 'invalid_request_error', anthropicType: 'not_found_error', logLevel: 'info' };
    case 'not_found':
      return { status: 404, openaiType: 'invalid_request_error', anthropicType: 'not_found_error', logLevel: 'debug' };
    case 'payload_too_large':
      return { status: 413, openaiType: 'invalid_request_error', anthropicType: 'request_too_large', logLevel: 'info' };
    case 'unsupported_media_type':
      return {
        status: 415,
        openaiType: 'invalid_request_error',
        anthropicType: 'invalid_request_error',
        logLevel: 'info',
      };
    case 'upstream_unreachable':
      return { status: 502, openaiType: 'upstream_error', anthropicType: 'api_error', logLevel: 'warn' };
    case 'upstream_timeout':
      return { status: 504, openaiType: 'timeout_error', anthropicType: 'timeout_error', logLevel: 'warn' };
    case 'upstream_protocol':
      return { status: 502, openaiType: 'upstream_error', anthropicType: 'api_error', logLevel: 'warn' };
    case 'store_unavailable':
      return { status: 503, openaiType: 'service_unavailable', anthropicType: 'api_error', logLevel: 'warn' };
    case 'shutting_down':
      return { status: 503, openaiType: 'service_unavailable', anthropicType: 'api_error', logLevel: 'info' };
    case 'internal':
      return { status: 500, openaiType: 'server_error', anthropicType: 'api_error', logLevel: 'error' };
  }
}

export class GatewayError extends Error {
  readonly status: number;

  constructor(
    readonly kind: GatewayErrorKind,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'GatewayError';
    this.status = errorKindInfo(kind).status;
  }

  static invalid(param: string, message: string): GatewayError {
    return new GatewayError('invalid_request', message, param, 'invalid_value');
  }

  static unsupported(param: string, message: string): GatewayError {
    return new GatewayError('unsupported_feature', message, param, 'unsupported_parameter');
  }
}
