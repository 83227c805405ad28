import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@authlab/config';
import { buildPublicJwks, loadSigningKeys, type SigningKey } from '@authlab/jwks';
import { createSigner } from 'fast-jwt';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { apiErrors } from '../src/errors.js';
import {
  base64url,
  TEST_AUDIENCE,
  TEST_COOKIE_KEY,
  TEST_ISSUER,
  TEST_SESSION_SECRET,
  validClaims,
} from './helpers.js';

function expectInvalidToken(response: LightMyRequestResponse) {
  expect(response.statusCode).toBe(401);
  expect(response.headers['www-authenticate']).toBe('Bearer realm="authlab", error="invalid_token"');
  expect(response.json()).toEqual({
    statusCode: 401,
    code: 'AUTH_TOKEN_INVALID',
    error: 'Unauthorized',
    message: apiErrors.AUTH_TOKEN_INVALID.message,
  });
}

function signEdDsa(key: SigningKey, claims: Record<string, unknown> = validClaims()): string {
  return createSigner({ key: key.privateKeyPem, algorithm: 'EdDSA', kid: key.kid })(claims);
}

/** Mints an HS256 token whose HMAC key is `secret`, with any header, as an attacker would. */
function signHs256(header: Record<string, unknown>, secret: string): string {
  const input = `${base64url(header)}.${base64url(validClaims())}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('jwt strategy in EdDSA mode', () => {
  let keysDir: string;
  let keys: Record<string, SigningKey>;
  let server: Server;
  let jwksUrl: string;
  let published: string[] = [];
  let jwksRequests = 0;
  let authUp = true;
  const apps: FastifyInstance[] = [];

  async function startReplica(env: Record<string, string> = {}): Promise<FastifyInstance> {
    const config = loadConfig({
      REPLICA_ID: 'api-test',
      API_JWT_ALGORITHM: 'EdDSA',
      API_JWKS_URL: jwksUrl,
      API_SESSION_SECRET: TEST_SESSION_SECRET,
      API_COOKIE_SESSION_KEYS: TEST_COOKIE_KEY,
      API_REDIS_URL: 'redis://127.0.0.1:1',
      API_REVOCATION_CHECK: 'off',
      API_JWT_ISSUER: TEST_ISSUER,
      API_JWT_AUDIENCE: TEST_AUDIENCE,
      LOG_LEVEL: 'silent',
      ...env,
    });
    const app = buildApp(config, { logger: false });
    apps.push(app);
    await app.ready();
    return app;
  }

  function getMe(app: FastifyInstance, token: string) {
    return app.inject({ method: 'GET', url: '/jwt/me', headers: { authorization: `Bearer ${token}` } });
  }

  beforeAll(async () => {
    keysDir = await mkdtemp(join(tmpdir(), 'authlab-api-keys-'));
    for (const kid of ['key-1', 'key-2']) {
      const { privateKey } = generateKeyPairSync('ed25519');
      await writeFile(join(keysDir, `${kid}.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    }
    keys = Object.fromEntries(loadSigningKeys(keysDir, 'key-1').keys.map((key) => [key.kid, key]));

    server = createServer((_request, response) => {
      jwksRequests += 1;
      if (!authUp) {
        response.destroy();
        return;
      }
      const document = buildPublicJwks(published.map((kid) => keys[kid]!));
      response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(document));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/.well-known/jwks.json`;
  });

  afterEach(() => {
    vi.useRealTimers();
    jwksRequests = 0;
    authUp = true;
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await new Promise((resolve) => server.close(resolve));
    await rm(keysDir, { recursive: true, force: true });
  });

  it('accepts a token of a published key', async () => {
    published = ['key-1'];
    const app = await startReplica();

    const response = await getMe(app, signEdDsa(keys['key-1']!));

    expect(response.statusCode).toBe(200);
    expect(response.json().sub).toBe('alice');
  });

  it('rejects HS256 MACd with the public key', async () => {
    published = ['key-1'];
    const app = await startReplica();
    const publicPem = keys['key-1']!.publicKeyPem;

    for (const secret of [publicPem, `\n${publicPem}`, `   ${publicPem}`, `junk${publicPem}`]) {
      expectInvalidToken(await getMe(app, signHs256({ alg: 'HS256', typ: 'JWT', kid: 'key-1' }, secret)));
    }
  });

  it('rejects unsigned and foreign-key tokens', async () => {
    published = ['key-1'];
    const app = await startReplica();
    const { privateKey } = generateKeyPairSync('ed25519');
    const attackerKey = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const attackerJwk = { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' };

    const tokens = [
      `${base64url({ alg: 'none', typ: 'JWT', kid: 'key-1' })}.${base64url(validClaims())}.`,
      createSigner({ key: attackerKey, algorithm: 'EdDSA', kid: 'key-1' })(validClaims()),
      createSigner({ key: attackerKey, algorithm: 'EdDSA', header: { alg: 'EdDSA', jwk: attackerJwk } })(
        validClaims(),
      ),
      createSigner({
        key: attackerKey,
        algorithm: 'EdDSA',
        header: { alg: 'EdDSA', jku: 'http://127.0.0.1:9/evil.json' },
      })(validClaims()),
    ];
    for (const token of tokens) {
      expectInvalidToken(await getMe(app, token));
    }
  });

  it('rejects unsafe kids without a 5xx', async () => {
    published = ['key-1'];
    const app = await startReplica();

    for (const kid of ['../../etc/passwd', "' OR 1=1 --", 'k'.repeat(5_000), 123, {}]) {
      // The header is typed loosely on purpose: a number or an object as kid is what the test sends.
      const header = { alg: 'EdDSA', kid } as unknown as { alg: string; kid: string };
      const token = createSigner({ key: keys['key-1']!.privateKeyPem, algorithm: 'EdDSA', header })(
        validClaims(),
      );
      expectInvalidToken(await getMe(app, token));
    }
  });

  it('fetches the JWKS at most twice for a kid flood', async () => {
    published = ['key-1'];
    const app = await startReplica({ API_JWKS_COOLDOWN_SECONDS: '30' });
    await getMe(app, signEdDsa(keys['key-1']!));

    const signer = createSigner({ key: keys['key-2']!.privateKeyPem, algorithm: 'EdDSA' });
    const responses = await Promise.all(
      Array.from({ length: 200 }, () =>
        getMe(
          app,
          signer({ ...validClaims(), jti: randomUUID() }).replace(
            /^[^.]+/,
            base64url({ alg: 'EdDSA', typ: 'JWT', kid: randomUUID() }),
          ),
        ),
      ),
    );

    expect(responses.every((response) => response.statusCode === 401)).toBe(true);
    expect(jwksRequests).toBeLessThanOrEqual(2);
  });

  it('keeps verifying while the auth service is down', async () => {
    published = ['key-1'];
    const app = await startReplica({ API_JWKS_MAX_AGE_SECONDS: '1', API_JWKS_COOLDOWN_SECONDS: '0' });
    expect((await getMe(app, signEdDsa(keys['key-1']!))).statusCode).toBe(200);
    authUp = false;

    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const afterMaxAge = await getMe(app, signEdDsa(keys['key-1']!));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const later = await getMe(app, signEdDsa(keys['key-1']!));

    expect(afterMaxAge.statusCode).toBe(200);
    expect(later.statusCode).toBe(200);
    expect(jwksRequests).toBeGreaterThan(1);
  });

  it('follows a key rotation', async () => {
    published = ['key-1'];
    const app = await startReplica({ API_JWKS_MAX_AGE_SECONDS: '1', API_JWKS_COOLDOWN_SECONDS: '0' });
    const oldToken = signEdDsa(keys['key-1']!);
    expect((await getMe(app, oldToken)).statusCode).toBe(200);

    // The next key is published before it signs anything.
    published = ['key-1', 'key-2'];
    const newToken = signEdDsa(keys['key-2']!);
    expect((await getMe(app, newToken)).statusCode).toBe(200);
    expect((await getMe(app, oldToken)).statusCode).toBe(200);

    // Withdrawing the old key ends its tokens once the cache has refreshed.
    published = ['key-2'];
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await getMe(app, newToken);
    await new Promise((resolve) => setTimeout(resolve, 100));

    expectInvalidToken(await getMe(app, oldToken));
    expect((await getMe(app, newToken)).statusCode).toBe(200);
  });

  it('rejects a cached token once it expires', async () => {
    published = ['key-1'];
    const app = await startReplica();
    const exp = Math.floor(Date.now() / 1000) + 60;
    const token = signEdDsa(keys['key-1']!, validClaims({ iat: exp - 120, exp }));

    expect((await getMe(app, token)).statusCode).toBe(200);
    expect((await getMe(app, token)).statusCode).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((exp + 3600) * 1000);

    expectInvalidToken(await getMe(app, token));
  });

  it('needs API_JWKS_URL but no secret', () => {
    let error: unknown;
    try {
      loadConfig({
        REPLICA_ID: 'api-test',
        API_JWT_ALGORITHM: 'EdDSA',
        API_SESSION_SECRET: TEST_SESSION_SECRET,
        API_COOKIE_SESSION_KEYS: TEST_COOKIE_KEY,
      });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.variable)).toEqual(['API_JWKS_URL']);
  });
});
