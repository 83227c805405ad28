import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Raised when the throttle counters cannot be read or written. A login route returns 503 for it. */
export class LoginThrottleUnavailableError extends Error {
  readonly code = 'LOGIN_THROTTLE_UNAVAILABLE';

  constructor(cause: unknown) {
    super(`login throttle failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'LoginThrottleUnavailableError';
  }
}

export interface LoginThrottleOptions {
  /** Failed logins one account may have in a window before every attempt on it gets 429. */
  maxFailuresPerAccount: number;
  /** Failed logins one client address may have in a window, over all accounts. */
  maxFailuresPerClient: number;
  /** Length of the window, counted from the first failure in it, in seconds. */
  windowSeconds: number;
  /** Prefix of every key, so the counters share a Redis database with other data. */
  prefix?: string;
}

/** The counter that blocked an attempt: per account or per client address. */
export type ThrottleScope = 'account' | 'client';

/** The outcome of `begin`: go on and check the password, or reject the attempt with 429. */
export type ThrottleDecision =
  | { allowed: true; attempt: LoginAttempt }
  | { allowed: false; scope: ThrottleScope; retryAfterSeconds: number };

/** One attempt that passed the throttle. Report its result with `succeed` or leave it counted as a failure. */
export interface LoginAttempt {
  readonly accountKey: string;
  readonly clientKey: string;
}

const DEFAULT_PREFIX = 'authlab:login-throttle:';

/**
 * Counts the attempt on both keys and decides in one step, so concurrent attempts from several
 * instances cannot all slip under the limit: INCR is atomic, and the window starts with the first count.
 * A blocked attempt is not counted, so a client that keeps trying while blocked does not extend its block.
 *
 * KEYS: account counter, client counter. ARGV: account limit, client limit, window in ms.
 * Returns { 0 } when allowed, or { 1 | 2 (account | client), ttl in ms } when blocked.
 */
const BEGIN_ATTEMPT_SCRIPT = `
local limits = { tonumber(ARGV[1]), tonumber(ARGV[2]) }
for index = 1, 2 do
  local count = tonumber(redis.call('GET', KEYS[index]) or '0')
  if count >= limits[index] then
    local ttl = redis.call('PTTL', KEYS[index])
    if ttl < 0 then
      redis.call('PEXPIRE', KEYS[index], ARGV[3])
      ttl = tonumber(ARGV[3])
    end
    return { index, ttl }
  end
end
for index = 1, 2 do
  if redis.call('INCR', KEYS[index]) == 1 then
    redis.call('PEXPIRE', KEYS[index], ARGV[3])
  end
end
return { 0 }
`;

/**
 * Reverses the count of a successful attempt: the account's failures are forgiven, and the client's
 * counter drops by the one attempt, so only failed logins count against an address.
 *
 * KEYS: account counter, client counter.
 */
const SUCCEED_SCRIPT = `
redis.call('DEL', KEYS[1])
local count = tonumber(redis.call('GET', KEYS[2]) or '0')
if count > 1 then
  redis.call('DECR', KEYS[2])
elseif count == 1 then
  redis.call('DEL', KEYS[2])
end
return 1
`;

/**
 * Login throttling per account and per client address, with counters in Redis so every instance that
 * shares the Redis shares the limits. Every attempt counts until it succeeds, which bounds concurrent
 * guessing too. A blocked account rejects the correct password as well, so a guesser learns nothing
 * from a 429.
 *
 * Use: `begin` before checking the password; on 429 reject; on success call `succeed`. Every Redis
 * failure raises `LoginThrottleUnavailableError`, and the route returns 503, so the limiter is never
 * silently off.
 */
export class LoginThrottle {
  readonly #client: Redis;
  readonly #options: Required<LoginThrottleOptions>;

  constructor(client: Redis, options: LoginThrottleOptions) {
    for (const name of ['maxFailuresPerAccount', 'maxFailuresPerClient', 'windowSeconds'] as const) {
      const value = options[name];
      if (!Number.isSafeInteger(value) || value <= 0) {
        throw new TypeError(`${name} must be a positive whole number, got ${value}`);
      }
    }
    this.#client = client;
    this.#options = { prefix: DEFAULT_PREFIX, ...options };
  }

  /**
   * Counts one login attempt for `account` (the username as typed) from `clientAddress` (the request's
   * address as the trusted proxy reports it), or rejects it when a counter has reached its limit.
   */
  async begin(account: string, clientAddress: string): Promise<ThrottleDecision> {
    const attempt: LoginAttempt = {
      accountKey: `${this.#options.prefix}account:${hashAccount(account)}`,
      clientKey: `${this.#options.prefix}client:${clientAddress}`,
    };

    let result: unknown;
    try {
      result = await this.#client.eval(
        BEGIN_ATTEMPT_SCRIPT,
        2,
        attempt.accountKey,
        attempt.clientKey,
        this.#options.maxFailuresPerAccount,
        this.#options.maxFailuresPerClient,
        this.#options.windowSeconds * 1000,
      );
    } catch (error) {
      throw new LoginThrottleUnavailableError(error);
    }

    const [blockedBy, ttlMs] = result as [number, number?];
    if (blockedBy === 0) {
      return { allowed: true, attempt };
    }
    return {
      allowed: false,
      scope: blockedBy === 1 ? 'account' : 'client',
      retryAfterSeconds: Math.max(1, Math.ceil((ttlMs ?? 0) / 1000)),
    };
  }

  /** Records that the attempt's password was correct. */
  async succeed(attempt: LoginAttempt): Promise<void> {
    try {
      await this.#client.eval(SUCCEED_SCRIPT, 2, attempt.accountKey, attempt.clientKey);
    } catch (error) {
      throw new LoginThrottleUnavailableError(error);
    }
  }
}

/**
 * Hashes the account name so the key holds no username, and lowercases it first so `Alice` and `alice`
 * share one counter even where the directory would reject one of them.
 */
function hashAccount(account: string): string {
  return createHash('sha256').update(account.toLowerCase(), 'utf8').digest('hex');
}
