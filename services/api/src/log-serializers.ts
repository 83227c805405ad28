import type { FastifyRequest } from 'fastify';

// Query parameters whose value is a credential. The jwt route rejects them, but fastify logs the URL of
// every request before any route runs.
const CREDENTIAL_QUERY_PARAMETER = /([?&](?:access_token|refresh_token)=)[^&#]*/gi;

/** Replaces the value of a credential query parameter with `[redacted]`. */
export function redactCredentialQuery(url: string): string {
  return url.replace(CREDENTIAL_QUERY_PARAMETER, '$1[redacted]');
}

/**
 * Serializes the request of each log line like fastify's default serializer, with credentials in the
 * query string redacted, so a token sent in the URL reaches neither the response nor the log.
 */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactCredentialQuery(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
