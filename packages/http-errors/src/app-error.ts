/** One entry of a service's error catalog: the stable code, the HTTP status and what the client reads. */
export interface ErrorDefinition {
  readonly statusCode: number;
  readonly message: string;
}

export type ErrorCatalog = Readonly<Record<string, ErrorDefinition>>;

/** The one JSON body every error response of the lab has. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

/**
 * An error a route raises on purpose. It carries a stable code from a catalog and the headers the status
 * requires, such as `WWW-Authenticate` on 401 and `Retry-After` on 429 and 503.
 */
export class AppError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: string,
    definition: ErrorDefinition,
    options: { headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(definition.message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.statusCode = definition.statusCode;
    this.headers = Object.freeze({ ...options.headers });
  }
}

/**
 * Builds a factory over a catalog, so a route writes `createError('AUTH_TOKEN_INVALID')` and the status and
 * message come from the one place that the docs test reads.
 */
export function buildErrorFactory<C extends ErrorCatalog>(catalog: C) {
  return function createError(
    code: keyof C & string,
    options: { headers?: Record<string, string>; cause?: unknown } = {},
  ): AppError {
    const definition = catalog[code];
    if (!definition) {
      throw new TypeError(`unknown error code "${code}"`);
    }
    return new AppError(code, definition, options);
  };
}
