/**
 * Raised for every failed or timed-out Redis command of the session store. A service maps it to
 * 503 with `Retry-After`, so a store outage never looks like a missing session (401) to the client.
 */
export class SessionStoreUnavailableError extends Error {
  readonly code = 'SESSION_STORE_UNAVAILABLE';
  readonly statusCode = 503;

  constructor(operation: 'get' | 'set' | 'destroy', cause: unknown) {
    super(`session store ${operation} failed: ${describeCause(cause)}`, { cause });
    this.name = 'SessionStoreUnavailableError';
  }
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
