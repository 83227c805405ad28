import {
  type LoginAttempt,
  type LoginThrottle,
  LoginThrottleUnavailableError,
} from '@authlab/login-throttle';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiConfig } from './config.js';
import { createError } from './errors.js';

/**
 * Login behaviour while Redis is down: `reject` responds with 503 LOGIN_THROTTLE_UNAVAILABLE, and `skip`
 * goes on without the throttle, logs a warning and marks the response with `X-Login-Throttle: skipped`.
 */
export type ThrottleOutagePolicy = 'reject' | 'skip';

export interface ThrottleGuardOptions {
  throttle: LoginThrottle;
  config: ApiConfig;
  strategy: string;
  onUnavailable: ThrottleOutagePolicy;
  /**
   * Code of the 503 under `reject`. session-redis keeps SESSION_STORE_UNAVAILABLE, because its store is
   * the same Redis and its clients already handle that code.
   */
  unavailableCode?: 'LOGIN_THROTTLE_UNAVAILABLE' | 'SESSION_STORE_UNAVAILABLE';
}

/**
 * Counts one login attempt before the password check, with the auth service's counters, and raises
 * 429 LOGIN_THROTTLED when the account or the client address is over its limit, the correct password
 * included. Resolves to the attempt to report on success, or undefined when the throttle was skipped.
 */
export async function beginThrottledLogin(
  request: FastifyRequest,
  reply: FastifyReply,
  options: ThrottleGuardOptions & { username: string; usernameHash: string },
): Promise<LoginAttempt | undefined> {
  const decision = await callThrottle(request, reply, options, () =>
    options.throttle.begin(options.username, request.ip),
  );
  if (decision === undefined) {
    return undefined;
  }
  if (!decision.allowed) {
    request.log.info(
      {
        strategy: options.strategy,
        scope: decision.scope,
        usernameHash: options.usernameHash,
        retryAfterSeconds: decision.retryAfterSeconds,
      },
      'login throttled',
    );
    throw createError('LOGIN_THROTTLED', { headers: { 'retry-after': String(decision.retryAfterSeconds) } });
  }
  return decision.attempt;
}

/** Records a correct password, so the account's failures are forgiven. */
export async function finishThrottledLogin(
  request: FastifyRequest,
  reply: FastifyReply,
  options: ThrottleGuardOptions,
  attempt: LoginAttempt | undefined,
): Promise<void> {
  if (attempt !== undefined) {
    await callThrottle(request, reply, options, () => options.throttle.succeed(attempt));
  }
}

async function callThrottle<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  options: ThrottleGuardOptions,
  operation: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof LoginThrottleUnavailableError)) {
      throw error;
    }
    if (options.onUnavailable === 'skip') {
      request.log.warn({ strategy: options.strategy, reason: error.message }, 'login throttle skipped');
      reply.header('x-login-throttle', 'skipped');
      return undefined;
    }
    request.log.warn({ strategy: options.strategy, reason: error.message }, 'login throttle unavailable');
    throw createError(options.unavailableCode ?? 'LOGIN_THROTTLE_UNAVAILABLE', {
      headers: { 'retry-after': String(options.config.retryAfterSeconds) },
    });
  }
}
