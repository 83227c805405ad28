import { describe, expect, it } from 'vitest';
import { buildUserDirectory, DEMO_CREDENTIALS, DEMO_USERS } from '../src/index.js';
import { hashPassword, MAX_PASSWORD_BYTES, SCRYPT_PARAMETERS, verifyPassword } from '../src/password-hash.js';

// A cheap cost keeps these tests fast; the format and the comparison are what they check.
const FAST = { logN: 10, r: 8, p: 1 };

describe('hashPassword', () => {
  it('writes a PHC string with its cost and a salt', async () => {
    const stored = await hashPassword('correct horse', FAST);

    expect(stored).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  });

  it('salts each hash so equal passwords store differently', async () => {
    const first = await hashPassword('same password', FAST);
    const second = await hashPassword('same password', FAST);

    expect(first).not.toBe(second);
    expect(await verifyPassword('same password', first)).toBe(true);
    expect(await verifyPassword('same password', second)).toBe(true);
  });

  it('uses the OWASP minimum cost by default', () => {
    expect(SCRYPT_PARAMETERS).toEqual({ logN: 17, r: 8, p: 1 });
  });
});

describe('verifyPassword', () => {
  it('rejects a wrong password and a changed tail', async () => {
    const long = `${'x'.repeat(80)} spaces and emoji 🙂`;
    const stored = await hashPassword(long, FAST);

    expect(await verifyPassword(long, stored)).toBe(true);
    expect(await verifyPassword(`${'x'.repeat(80)} spaces and emoji 🙃`, stored)).toBe(false);
    expect(await verifyPassword('x'.repeat(80), stored)).toBe(false);
  });

  it('treats canonically equal Unicode forms as one password', async () => {
    const stored = await hashPassword('caf\u00e9', FAST);

    expect(await verifyPassword('cafe\u0301', stored)).toBe(true);
  });

  it('throws a TypeError for a stored value that is not a scrypt hash', async () => {
    await expect(verifyPassword('pw', '$2b$10$abcdefghijklmnopqrstuv')).rejects.toThrow(TypeError);
  });
});

describe('buildUserDirectory', () => {
  it('accepts every published demo credential', async () => {
    const directory = buildUserDirectory();

    for (const { username, password } of DEMO_CREDENTIALS) {
      expect(await directory.checkCredentials(username, password)).toEqual({ ok: true, username });
    }
  });

  it('stores demo users as distinct scrypt hashes at the default cost', () => {
    const hashes = DEMO_USERS.map((user) => user.passwordHash);

    expect(new Set(hashes).size).toBe(hashes.length);
    for (const hash of hashes) {
      expect(hash.startsWith('$scrypt$ln=17,r=8,p=1$')).toBe(true);
    }
  });

  it('gives the reason of a failure for the log', async () => {
    const directory = buildUserDirectory();

    expect(await directory.checkCredentials('alice', 'wrong')).toEqual({
      ok: false,
      reason: 'wrong-password',
    });
    expect(await directory.checkCredentials('nobody', 'wrong')).toEqual({
      ok: false,
      reason: 'unknown-user',
    });
  });

  it('rejects an over-long password before hashing it', async () => {
    const directory = buildUserDirectory();
    const started = performance.now();

    const result = await directory.checkCredentials('alice', 'a'.repeat(MAX_PASSWORD_BYTES + 1));

    expect(result).toEqual({ ok: false, reason: 'password-too-long' });
    // One scrypt check at the default cost takes hundreds of milliseconds; skipping it takes far less.
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('spends as long on an unknown user as on a wrong password', async () => {
    const directory = buildUserDirectory([
      { username: 'dana', passwordHash: await hashPassword('dana-password', { logN: 14, r: 8, p: 1 }) },
    ]);

    const unknown = await medianMs(() => directory.checkCredentials('nobody', 'whatever'));
    const wrong = await medianMs(() => directory.checkCredentials('dana', 'whatever'));

    // Without the dummy hash an unknown user returns in microseconds, far below half of a real check.
    expect(unknown).toBeGreaterThan(wrong * 0.5);
  });
});

async function medianMs(run: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let index = 0; index < 5; index++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[2] ?? 0;
}
