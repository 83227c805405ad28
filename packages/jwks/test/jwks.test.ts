import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPublicJwks, JwksCache, loadSigningKeys, SigningKeyError } from '../src/index.js';

async function writeEd25519Key(directory: string, kid: string): Promise<void> {
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(join(directory, `${kid}.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
}

describe('loadSigningKeys', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'authlab-keys-'));
    await writeEd25519Key(directory, 'key-1');
    await writeEd25519Key(directory, 'key-2');
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('loads every key and picks the active one', () => {
    const keySet = loadSigningKeys(directory, 'key-2');

    expect(keySet.keys.map((key) => key.kid)).toEqual(['key-1', 'key-2']);
    expect(keySet.active.kid).toBe('key-2');
  });

  it('returns the same kids after a reload', () => {
    const first = buildPublicJwks(loadSigningKeys(directory, 'key-1').keys);
    const second = buildPublicJwks(loadSigningKeys(directory, 'key-1').keys);

    expect(second).toEqual(first);
  });

  it('publishes public members only', () => {
    const jwks = buildPublicJwks(loadSigningKeys(directory, 'key-1').keys);

    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    }
  });

  it('rejects a missing active key', () => {
    expect(() => loadSigningKeys(directory, 'key-9')).toThrow(SigningKeyError);
    expect(() => loadSigningKeys(directory, 'key-9')).toThrow(/no key file "key-9.pem".*found: key-1, key-2/);
  });

  it('rejects a key of another type', async () => {
    const otherDirectory = await mkdtemp(join(tmpdir(), 'authlab-keys-'));
    try {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await writeFile(join(otherDirectory, 'ec.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));

      expect(() => loadSigningKeys(otherDirectory, 'ec')).toThrow(/expected ed25519/);
    } finally {
      await rm(otherDirectory, { recursive: true, force: true });
    }
  });

  it('reads a key written by openssl', async () => {
    const otherDirectory = await mkdtemp(join(tmpdir(), 'authlab-keys-'));
    try {
      execFileSync('openssl', [
        'genpkey',
        '-algorithm',
        'ed25519',
        '-out',
        join(otherDirectory, 'openssl.pem'),
      ]);

      expect(loadSigningKeys(otherDirectory, 'openssl').active.kid).toBe('openssl');
    } finally {
      await rm(otherDirectory, { recursive: true, force: true });
    }
  });
});

describe('JwksCache', () => {
  let directory: string;
  let server: Server;
  let url: string;
  let document: unknown;
  let requests = 0;
  let available = true;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'authlab-keys-'));
    await writeEd25519Key(directory, 'old');
    await writeEd25519Key(directory, 'new');
    server = createServer((_request, response) => {
      requests += 1;
      if (!available) {
        response.writeHead(503).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/.well-known/jwks.json`;
  });

  afterEach(() => {
    requests = 0;
    available = true;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });

  function publish(...kids: string[]) {
    const keys = loadSigningKeys(directory, kids[0] ?? 'old').keys.filter((key) => kids.includes(key.kid));
    document = buildPublicJwks(keys);
  }

  it('fetches once for a known kid', async () => {
    publish('old');
    const cache = new JwksCache({ url, maxAgeMs: 60_000, cooldownMs: 30_000, fetchTimeoutMs: 1_000 });

    const first = await cache.getKey('old');
    const second = await cache.getKey('old');

    expect(first?.algorithm).toBe('EdDSA');
    expect(second).toBe(first);
    expect(requests).toBe(1);
  });

  it('fetches once for a flood of unknown kids', async () => {
    publish('old');
    const cache = new JwksCache({ url, maxAgeMs: 60_000, cooldownMs: 30_000, fetchTimeoutMs: 1_000 });

    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) => cache.getKey(`random-${index}`)),
    );
    for (let index = 0; index < 50; index += 1) {
      results.push(await cache.getKey(`later-${index}`));
    }

    expect(results.every((key) => key === undefined)).toBe(true);
    expect(requests).toBe(1);
  });

  it('refetches for a new kid after the cooldown', async () => {
    publish('old');
    let nowMs = 1_000_000;
    const cache = new JwksCache({
      url,
      maxAgeMs: 60_000,
      cooldownMs: 30_000,
      fetchTimeoutMs: 1_000,
      now: () => nowMs,
    });
    await cache.getKey('old');
    publish('old', 'new');

    const tooSoon = await cache.getKey('new');
    nowMs += 30_000;
    const afterCooldown = await cache.getKey('new');

    expect(tooSoon).toBeUndefined();
    expect(afterCooldown?.kid).toBe('new');
    expect(requests).toBe(2);
  });

  it('drops a withdrawn key after the max age', async () => {
    publish('old', 'new');
    let nowMs = 1_000_000;
    const cache = new JwksCache({
      url,
      maxAgeMs: 60_000,
      cooldownMs: 30_000,
      fetchTimeoutMs: 1_000,
      now: () => nowMs,
    });
    await cache.getKey('old');
    publish('new');

    nowMs += 60_000;
    expect(await cache.getKey('old')).toBeDefined();
    await cache.refresh();

    expect(cache.kids).toEqual(['new']);
    expect(await cache.getKey('old')).toBeUndefined();
  });

  it('keeps stale keys while the JWKS is unreachable', async () => {
    publish('old');
    let nowMs = 1_000_000;
    const cache = new JwksCache({
      url,
      maxAgeMs: 10_000,
      cooldownMs: 1_000,
      fetchTimeoutMs: 1_000,
      now: () => nowMs,
    });
    await cache.getKey('old');
    available = false;

    nowMs += 60_000;
    const stale = await cache.getKey('old');
    await cache.refresh();
    nowMs += 60_000;
    const staler = await cache.getKey('old');

    expect(stale?.kid).toBe('old');
    expect(staler?.kid).toBe('old');
  });

  it('retries an empty cache after one second', async () => {
    publish('old');
    available = false;
    let nowMs = 1_000_000;
    const cache = new JwksCache({
      url,
      maxAgeMs: 60_000,
      cooldownMs: 30_000,
      fetchTimeoutMs: 1_000,
      now: () => nowMs,
    });

    const whileDown = await cache.getKey('old');
    available = true;
    const tooSoon = await cache.getKey('old');
    nowMs += 1_000;
    const afterRetry = await cache.getKey('old');

    expect(whileDown).toBeUndefined();
    expect(tooSoon).toBeUndefined();
    expect(afterRetry?.kid).toBe('old');
    expect(cache.fetchCount).toBe(2);
  });

  it('retries a failed fetch after one second', async () => {
    publish('old');
    let nowMs = 1_000_000;
    const cache = new JwksCache({
      url,
      maxAgeMs: 60_000,
      cooldownMs: 30_000,
      fetchTimeoutMs: 1_000,
      now: () => nowMs,
    });
    await cache.getKey('old');

    // The auth service restarts with a new key just as a token signed with it arrives.
    nowMs += 30_000;
    available = false;
    const whileDown = await cache.getKey('new');
    publish('old', 'new');
    available = true;
    nowMs += 1_000;
    const afterRetry = await cache.getKey('new');

    expect(whileDown).toBeUndefined();
    expect(afterRetry?.kid).toBe('new');
    expect(cache.fetchCount).toBe(3);
  });

  it('skips keys without EdDSA or with another use', async () => {
    publish('old', 'new');
    const [first, second] = (document as { keys: Record<string, unknown>[] }).keys;
    document = {
      keys: [
        { ...first, alg: 'HS256' },
        { ...second, use: 'enc' },
      ],
    };
    const cache = new JwksCache({ url, maxAgeMs: 60_000, cooldownMs: 30_000, fetchTimeoutMs: 1_000 });

    expect(await cache.getKey('old')).toBeUndefined();
    expect(cache.kids).toEqual([]);
  });
});
