import { randomBytes, scrypt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { SCRYPT_PARAMETERS } from '@authlab/users';

/** Memory limit for one derivation: scrypt needs 128 * N * r bytes, 128 MiB at the lab's parameters. */
const MAX_MEMORY_BYTES = 512 * 1024 * 1024;
const KEY_LENGTH_BYTES = 32;

export interface KdfRateOptions {
  /** Measuring stops after this long; the derivations still running are waited for. */
  readonly durationMs: number;
  /** Derivations run at once. Default: the number of cores, the most a login server can use. */
  readonly parallelism?: number;
  /** Upper bound on derivations, so a fast machine or small parameters still end the run early. */
  readonly maxDerivations?: number;
}

export interface KdfRate {
  readonly algorithm: 'scrypt';
  readonly parameters: { readonly logN: number; readonly r: number; readonly p: number };
  readonly parallelism: number;
  readonly derivations: number;
  readonly elapsedMs: number;
  /** Derivations per second with `parallelism` running at once: the ceiling for password logins. */
  readonly derivationsPerSecond: number;
  /** Mean time of one derivation. */
  readonly meanMs: number;
}

function derive(parameters: typeof SCRYPT_PARAMETERS): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    scrypt(
      'correct horse battery staple',
      randomBytes(16),
      KEY_LENGTH_BYTES,
      { N: 2 ** parameters.logN, r: parameters.r, p: parameters.p, maxmem: MAX_MEMORY_BYTES },
      (error) => (error ? reject(error) : resolve(Number(process.hrtime.bigint() - started) / 1e6)),
    );
  });
}

/**
 * Measures how many scrypt derivations per second this machine completes at the lab's parameters
 * (`SCRYPT_PARAMETERS` of @authlab/users), with `parallelism` running at once on libuv's thread pool.
 * A password login costs one derivation, so this rate bounds login throughput.
 */
export async function measureKdfRate(options: KdfRateOptions): Promise<KdfRate> {
  const parallelism = options.parallelism ?? availableParallelism();
  const maxDerivations = options.maxDerivations ?? 10_000;
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 64) {
    throw new RangeError(`parallelism must be an integer from 1 to 64, got ${parallelism}`);
  }

  const parameters = SCRYPT_PARAMETERS;
  await derive(parameters);

  const started = process.hrtime.bigint();
  const deadline = Date.now() + options.durationMs;
  let derivations = 0;
  let totalMs = 0;
  const runLane = async () => {
    while (Date.now() < deadline && derivations < maxDerivations) {
      derivations += 1;
      totalMs += await derive(parameters);
    }
  };
  await Promise.all(Array.from({ length: parallelism }, runLane));
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;

  return {
    algorithm: 'scrypt',
    parameters: { ...parameters },
    parallelism,
    derivations,
    elapsedMs,
    derivationsPerSecond: (derivations * 1000) / elapsedMs,
    meanMs: derivations > 0 ? totalMs / derivations : 0,
  };
}
