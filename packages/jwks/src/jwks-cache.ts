import { createPublicKey } from 'node:crypto';
import { ASYMMETRIC_ALGORITHM, KID_PATTERN } from './signing-keys.js';

/** The two pino-style log methods the cache uses: object first, then a short constant message. */
export interface JwksCacheLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface JwksCacheOptions {
  /** URL of the auth service's JWKS, for example http://127.0.10.1:4000/auth/.well-known/jwks.json. */
  url: string;
  /** Age after which the keys are refetched in the background, in milliseconds. */
  maxAgeMs: number;
  /** Minimum time between two fetches, so unknown `kid`s cannot cause one fetch per request, in milliseconds. */
  cooldownMs: number;
  /** Time a fetch may take before it is abandoned, in milliseconds. */
  fetchTimeoutMs: number;
  logger?: JwksCacheLogger;
  /** Clock in milliseconds since the epoch, which tests replace. */
  now?: () => number;
}

/** A verification key from the JWKS: its SPKI PEM and the one algorithm it may verify. */
export interface VerificationKey {
  readonly kid: string;
  readonly algorithm: typeof ASYMMETRIC_ALGORITHM;
  readonly publicKeyPem: string;
}

const SILENT_LOGGER: JwksCacheLogger = { info() {}, warn() {} };

/**
 * Cooldown while the cache contains no key at all or the last fetch failed, in milliseconds. A replica that
 * started before the auth service, or fetched while it restarted, must not wait a full cooldown before it
 * can verify a new key, and one fetch per second still bounds a flood.
 */
const RETRY_AFTER_FAILURE_MS = 1_000;

/**
 * A replica's copy of the auth service's public keys.
 *
 * - A known `kid` is served from memory, without a fetch.
 * - An unknown `kid` triggers a fetch, at most once per `cooldownMs` (once per second while the cache is
 *   still empty or the last fetch failed), and concurrent callers share it. A flood of random `kid`s therefore costs one fetch per
 *   cooldown, not one per request.
 * - Keys older than `maxAgeMs` are refetched in the background, and a refetch replaces the whole set, so
 *   a key withdrawn from the JWKS stops verifying once the cache has refreshed.
 * - When a fetch fails, the cached keys stay in use however old they are: an auth service outage does
 *   not stop the replicas from verifying tokens signed with keys they already know.
 */
export class JwksCache {
  readonly #options: Required<Omit<JwksCacheOptions, 'logger' | 'now'>>;
  readonly #logger: JwksCacheLogger;
  readonly #now: () => number;
  #keys = new Map<string, VerificationKey>();
  #fetchedAtMs = Number.NEGATIVE_INFINITY;
  #lastAttemptAtMs = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;
  #fetchCount = 0;
  #failing = false;

  constructor(options: JwksCacheOptions) {
    for (const name of ['maxAgeMs', 'cooldownMs', 'fetchTimeoutMs'] as const) {
      if (!Number.isSafeInteger(options[name]) || options[name] < 0) {
        throw new TypeError(
          `${name} must be a non-negative whole number of milliseconds, got ${options[name]}`,
        );
      }
    }
    this.#options = {
      url: options.url,
      maxAgeMs: options.maxAgeMs,
      cooldownMs: options.cooldownMs,
      fetchTimeoutMs: options.fetchTimeoutMs,
    };
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#now = options.now ?? Date.now;
  }

  /** Number of fetches started so far, for tests and the rotation drill. */
  get fetchCount(): number {
    return this.#fetchCount;
  }

  /** The `kid`s currently cached, in JWKS order. */
  get kids(): string[] {
    return [...this.#keys.keys()];
  }

  /** Returns the key for `kid`, fetching the JWKS when the `kid` is unknown and the cooldown allows. */
  async getKey(kid: string): Promise<VerificationKey | undefined> {
    const nowMs = this.#now();
    const known = this.#keys.get(kid);

    if (known) {
      if (nowMs - this.#fetchedAtMs >= this.#options.maxAgeMs && this.#cooldownPassed(nowMs)) {
        // Refreshes in the background: the request goes on with the key it has.
        void this.refresh();
      }
      return known;
    }

    if (this.#inflight) {
      await this.#inflight;
    } else if (this.#cooldownPassed(nowMs)) {
      await this.refresh();
    }
    return this.#keys.get(kid);
  }

  /** Fetches the JWKS now, or joins the fetch in progress. Never rejects: failures are logged. */
  refresh(): Promise<void> {
    if (!this.#inflight) {
      this.#inflight = this.#fetchKeys().finally(() => {
        this.#inflight = undefined;
      });
    }
    return this.#inflight;
  }

  #cooldownPassed(nowMs: number): boolean {
    const cooldownMs =
      this.#keys.size === 0 || this.#failing
        ? Math.min(this.#options.cooldownMs, RETRY_AFTER_FAILURE_MS)
        : this.#options.cooldownMs;
    return nowMs - this.#lastAttemptAtMs >= cooldownMs;
  }

  async #fetchKeys(): Promise<void> {
    this.#lastAttemptAtMs = this.#now();
    this.#fetchCount += 1;

    try {
      const response = await fetch(this.#options.url, {
        signal: AbortSignal.timeout(this.#options.fetchTimeoutMs),
        headers: { accept: 'application/json' },
      });
      if (!response.ok) {
        throw new Error(`GET ${this.#options.url} returned ${response.status}`);
      }
      const keys = parseJwks(await response.json(), this.#logger);

      const previous = this.kids.join(',');
      this.#keys = keys;
      this.#fetchedAtMs = this.#now();
      if (this.#failing || previous !== this.kids.join(',')) {
        this.#logger.info({ kids: this.kids }, 'jwks loaded');
      }
      this.#failing = false;
    } catch (error) {
      // One warning per outage, not one per attempt; the cached keys stay in use.
      if (!this.#failing) {
        this.#logger.warn({ err: error, url: this.#options.url, cachedKids: this.kids }, 'jwks fetch failed');
      }
      this.#failing = true;
    }
  }
}

/**
 * Reads a JWKS document and keeps the keys a replica may use: Ed25519 public keys with a valid `kid`,
 * `alg` EdDSA and `use` sig (or no `use`). Other entries are skipped with a log line, and private
 * members are never read.
 */
function parseJwks(document: unknown, logger: JwksCacheLogger): Map<string, VerificationKey> {
  const entries = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(entries)) {
    throw new Error('the JWKS has no keys array');
  }

  const keys = new Map<string, VerificationKey>();
  for (const entry of entries) {
    const { kty, crv, x, kid, alg, use } = (entry ?? {}) as Record<string, unknown>;
    const usable =
      kty === 'OKP' &&
      crv === 'Ed25519' &&
      typeof x === 'string' &&
      typeof kid === 'string' &&
      KID_PATTERN.test(kid) &&
      alg === ASYMMETRIC_ALGORITHM &&
      (use === undefined || use === 'sig');
    if (!usable) {
      logger.warn({ kid: typeof kid === 'string' ? kid.slice(0, 64) : undefined }, 'jwks key skipped');
      continue;
    }

    try {
      const publicKey = createPublicKey({ key: { kty, crv, x }, format: 'jwk' });
      keys.set(kid, {
        kid,
        algorithm: ASYMMETRIC_ALGORITHM,
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      });
    } catch {
      logger.warn({ kid }, 'jwks key skipped');
    }
  }
  return keys;
}
