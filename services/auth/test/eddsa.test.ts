import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisServer } from '@authlab/cluster';
import { ConfigError } from '@authlab/config';
import type { UserDirectory } from '@authlab/users';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { buildTestConfig, startAuthTestRedis } from './test-config.js';
import { buildFastUserDirectory, decodeClaims, logIn, postJson } from './token-helpers.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

function decodeHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
}

describe('EdDSA mode', () => {
  let redis: RedisServer;
  let users: UserDirectory;
  let keysDir: string;
  const apps: FastifyInstance[] = [];

  async function startApp(activeKid: string): Promise<FastifyInstance> {
    const config = loadConfig({
      AUTH_JWT_ALGORITHM: 'EdDSA',
      AUTH_JWT_KEYS_DIR: keysDir,
      AUTH_JWT_ACTIVE_KID: activeKid,
      AUTH_REDIS_URL: buildTestConfig().redisUrl,
    });
    const app = buildApp(config, { logger: false, userDirectory: users });
    apps.push(app);
    await app.ready();
    return app;
  }

  beforeAll(async () => {
    redis = await startAuthTestRedis();
    users = await buildFastUserDirectory();
    keysDir = await mkdtemp(join(tmpdir(), 'authlab-auth-keys-'));
    for (const kid of ['key-1', 'key-2']) {
      const { privateKey } = generateKeyPairSync('ed25519');
      await writeFile(join(keysDir, `${kid}.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    }
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await redis.stop();
    await rm(keysDir, { recursive: true, force: true });
  });

  it('signs with the active key', async () => {
    const app = await startApp('key-1');
    const jwks = (await app.inject({ method: 'GET', url: '/auth/.well-known/jwks.json' })).json();

    const token = (await logIn(app)).json().access_token as string;
    const [header = '', payload = '', signature = ''] = token.split('.');
    const jwk = jwks.keys.find((key: { kid: string }) => key.kid === 'key-1');
    const { createPublicKey } = await import('node:crypto');
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' });

    expect(decodeHeader(token)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: 'key-1' });
    expect(
      verify(null, Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url')),
    ).toBe(true);
    const claims = decodeClaims(token);
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sub']);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
  });

  it('publishes public keys only', async () => {
    const app = await startApp('key-1');

    const response = await app.inject({ method: 'GET', url: '/auth/.well-known/jwks.json' });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
    const { keys } = response.json();
    expect(keys.map((key: { kid: string }) => key.kid)).toEqual(['key-1', 'key-2']);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      for (const member of PRIVATE_MEMBERS) {
        expect(key).not.toHaveProperty(member);
      }
    }
  });

  it('keeps the kid set across a restart', async () => {
    const first = await startApp('key-1');
    const before = (await first.inject({ method: 'GET', url: '/auth/.well-known/jwks.json' })).body;
    await first.close();

    const second = await startApp('key-1');
    const after = (await second.inject({ method: 'GET', url: '/auth/.well-known/jwks.json' })).body;

    expect(after).toBe(before);
  });

  it('revokes a token of a non-active key at logout', async () => {
    const oldApp = await startApp('key-1');
    const token = (await logIn(oldApp)).json().access_token as string;
    const rotatedApp = await startApp('key-2');
    const { jti } = decodeClaims(token) as { jti: string };

    const logout = await postJson(rotatedApp, '/auth/logout', undefined, {
      authorization: `Bearer ${token}`,
    });

    expect(logout.statusCode).toBe(204);
    expect(await rotatedApp.accessTokenDenylist.isRevoked('authlab-auth', jti)).toBe(true);
    expect(decodeHeader((await logIn(rotatedApp)).json().access_token).kid).toBe('key-2');
  });

  it('publishes nothing in HS256 mode', async () => {
    const app = buildApp(buildTestConfig(), { logger: false, userDirectory: users });
    apps.push(app);

    const response = await app.inject({ method: 'GET', url: '/auth/.well-known/jwks.json' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ keys: [] });
  });

  it('needs no secret but a key directory', () => {
    let error: unknown;
    try {
      loadConfig({ AUTH_JWT_ALGORITHM: 'EdDSA' });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).problems.map((problem) => problem.variable);
    expect(variables).toEqual(['AUTH_JWT_KEYS_DIR', 'AUTH_JWT_ACTIVE_KID']);
  });

  it('rejects an unknown active kid', () => {
    expect(() =>
      loadConfig({ AUTH_JWT_ALGORITHM: 'EdDSA', AUTH_JWT_KEYS_DIR: keysDir, AUTH_JWT_ACTIVE_KID: 'key-9' }),
    ).toThrow(/AUTH_JWT_KEYS_DIR is invalid: no key file "key-9.pem"/);
  });
});
