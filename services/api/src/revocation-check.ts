import { type AccessTokenDenylist, DenylistUnavailableError } from '@authlab/revocation';
import type { FastifyBaseLogger } from 'fastify';

/**
 * How a replica uses the denylist of revoked access tokens (API_REVOCATION_CHECK).
 * - `off`: never asks Redis. A logged-out token keeps working until its `exp`.
 * - `fail-open`: asks Redis; while Redis is down it accepts the token and says so in a response header
 *   and a warning, so JWT routes survive a Redis outage but a revoked token works again during it.
 * - `fail-closed`: asks Redis; while Redis is down it rejects every token with 503, so no revoked token
 *   ever passes but JWT routes depend on Redis.
 */
export type RevocationCheckMode = 'off' | 'fail-open' | 'fail-closed';

export const REVOCATION_CHECK_MODES = ['off', 'fail-open', 'fail-closed'] as const;

/** Result of one check: `skipped` means fail-open let the token through without a reply from Redis. */
export type RevocationVerdict = 'not-checked' | 'not-revoked' | 'revoked' | 'skipped' | 'unavailable';

/** Minimum time between two warnings about skipped checks, so an outage does not log once per request. */
const SKIPPED_WARNING_INTERVAL_MS = 10_000;

/**
 * Builds the replica's revocation check for tokens that passed signature and claim checks. It returns
 * `revoked` only when the token's `jti` is on the denylist, and `not-revoked` only when Redis reported the jti absent.
 */
export function buildRevocationCheck(options: {
  mode: RevocationCheckMode;
  denylist: AccessTokenDenylist;
  issuer: string;
  log: FastifyBaseLogger;
}) {
  const { mode, denylist, issuer, log } = options;
  let lastWarningAtMs = Number.NEGATIVE_INFINITY;
  let skippedSinceWarning = 0;

  return async function checkRevocation(jti: string): Promise<RevocationVerdict> {
    if (mode === 'off') {
      return 'not-checked';
    }

    try {
      return (await denylist.isRevoked(issuer, jti)) ? 'revoked' : 'not-revoked';
    } catch (error) {
      // The auth service issues UUIDs. A jti that the denylist cannot key could never be revoked, so a
      // token that carries one is rejected like a revoked one.
      if (error instanceof TypeError) {
        return 'revoked';
      }
      if (!(error instanceof DenylistUnavailableError)) {
        throw error;
      }
      if (mode === 'fail-closed') {
        return 'unavailable';
      }

      skippedSinceWarning += 1;
      const nowMs = Date.now();
      if (nowMs - lastWarningAtMs >= SKIPPED_WARNING_INTERVAL_MS) {
        log.warn({ err: error, skippedChecks: skippedSinceWarning }, 'revocation check skipped');
        lastWarningAtMs = nowMs;
        skippedSinceWarning = 0;
      }
      return 'skipped';
    }
  };
}
