import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.js';
import { apiErrors } from '../src/errors.js';
import {
  base64url,
  buildTestConfig,
  captureLogs,
  hmacSha256,
  mintToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  validClaims,
} from './helpers.js';

const INVALID_TOKEN_CHALLENGE = 'Bearer realm="authlab", error="invalid_token"';
const INVALID_REQUEST_CHALLENGE = 'Bearer realm="authlab", error="invalid_request"';

function expectInvalidToken(response: LightMyRequestResponse) {
  expect(response.statusCode).toBe(401);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(response.headers['www-authenticate']).toBe(INVALID_TOKEN_CHALLENGE);
  expect(response.json()).toEqual({
    statusCode: 401,
    code: 'AUTH_TOKEN_INVALID',
    error: 'Unauthorized',
    message: apiErrors.AUTH_TOKEN_INVALID.message,
  });
}

function expectMalformedHeader(response: LightMyRequestResponse) {
  expect(response.statusCode).toBe(400);
  expect(response.headers['www-authenticate']).toBe(INVALID_REQUEST_CHALLENGE);
  expect(response.json()).toEqual({
    statusCode: 400,
    code: 'AUTH_HEADER_MALFORMED',
    error: 'Bad Request',
    message: apiErrors.AUTH_HEADER_MALFORMED.message,
  });
}

function expectMissingToken(response: LightMyRequestResponse) {
  expect(response.statusCode).toBe(401);
  expect(response.headers['www-authenticate']).toBe('Bearer realm="authlab"');
  expect(response.json()).toEqual({
    statusCode: 401,
    code: 'AUTH_TOKEN_MISSING',
    error: 'Unauthorized',
    message: apiErrors.AUTH_TOKEN_MISSING.message,
  });
}

/** Signs `header.payload` given as already-encoded segments, for shapes mintToken cannot express. */
function signSegments(header: string, payload: string): string {
  return `${header}.${payload}.${hmacSha256(`${header}.${payload}`)}`;
}

const HS256_HEADER = base64url({ alg: 'HS256', typ: 'JWT' });

describe('GET /jwt/me', () => {
  let app: FastifyInstance;
  const logs = captureLogs();

  beforeAll(async () => {
    app = buildApp(buildTestConfig({ LOG_LEVEL: 'info' }), { logger: { stream: logs.stream } });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  function getMe(authorization?: string): Promise<LightMyRequestResponse> {
    return app.inject({
      method: 'GET',
      url: '/jwt/me',
      headers: authorization === undefined ? {} : { authorization },
    });
  }

  /** Returns the reason the replica logged for the most recent rejected token. */
  function lastRejectionReason(): string | undefined {
    const rejected = logs.lines
      .map((line) => JSON.parse(line))
      .filter((line) => line.msg === 'token rejected');
    return rejected.at(-1)?.reason;
  }

  describe('valid tokens', () => {
    it('accepts a token signed with the shared secret', async () => {
      const response = await getMe(`Bearer ${mintToken()}`);

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ strategy: 'jwt', sub: 'alice', servedBy: 'api-test' });
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('accepts a token that expires in 300 seconds', async () => {
      const exp = Math.floor(Date.now() / 1000) + 300;

      const response = await getMe(`Bearer ${mintToken({ payload: validClaims({ exp }) })}`);

      expect(response.statusCode).toBe(200);
    });

    it('accepts an audience list that contains this API', async () => {
      const token = mintToken({ payload: validClaims({ aud: ['other-service', TEST_AUDIENCE] }) });

      const response = await getMe(`Bearer ${token}`);

      expect(response.statusCode).toBe(200);
    });
  });

  describe('algorithm allow-list', () => {
    for (const alg of ['none', 'None', 'NONE']) {
      it(`rejects alg ${alg} with an empty signature`, async () => {
        const token = `${base64url({ alg, typ: 'JWT' })}.${base64url(validClaims())}.`;

        expectInvalidToken(await getMe(`Bearer ${token}`));
      });
    }

    it('rejects a correctly MACed HS512 token', async () => {
      const token = mintToken({ header: { alg: 'HS512', typ: 'JWT' }, algorithm: 'sha512' });

      expectInvalidToken(await getMe(`Bearer ${token}`));
      expect(lastRejectionReason()).toBe('FAST_JWT_INVALID_ALGORITHM');
    });

    it('rejects an HS256 header over an HS512 MAC', async () => {
      const token = mintToken({ algorithm: 'sha512' });

      expectInvalidToken(await getMe(`Bearer ${token}`));
    });
  });

  describe('signature before claims', () => {
    it('rejects a token whose payload changed after signing', async () => {
      const [header, , signature] = mintToken({ payload: validClaims({ sub: 'alice' }) }).split('.');
      const forgedPayload = base64url(validClaims({ sub: 'alicf' }));

      expectInvalidToken(await getMe(`Bearer ${header}.${forgedPayload}.${signature}`));
      expect(lastRejectionReason()).toBe('FAST_JWT_INVALID_SIGNATURE');
    });

    it('reports a corrupted expired token as a bad signature', async () => {
      const expired = mintToken({ payload: validClaims({ exp: Math.floor(Date.now() / 1000) - 600 }) });
      // The first signature character carries 6 bits of the MAC; the last one partly carries padding bits.
      const signatureStart = expired.lastIndexOf('.') + 1;
      const replacement = expired[signatureStart] === 'A' ? 'B' : 'A';
      const corrupted = `${expired.slice(0, signatureStart)}${replacement}${expired.slice(signatureStart + 1)}`;

      const expiredResponse = await getMe(`Bearer ${expired}`);
      const expiredReason = lastRejectionReason();
      const corruptedResponse = await getMe(`Bearer ${corrupted}`);
      const corruptedReason = lastRejectionReason();

      expectInvalidToken(expiredResponse);
      expectInvalidToken(corruptedResponse);
      expect(corruptedResponse.json().code).toBe(expiredResponse.json().code);
      expect(expiredReason).toBe('FAST_JWT_EXPIRED');
      expect(corruptedReason).toBe('FAST_JWT_INVALID_SIGNATURE');
    });

    it('rejects a token signed with another secret', async () => {
      const token = mintToken({ secret: 'another-secret-0123456789-abcdefghijklmnop' });

      expectInvalidToken(await getMe(`Bearer ${token}`));
    });

    it('rejects an unknown kid MACed with an empty key', async () => {
      const token = mintToken({ header: { alg: 'HS256', typ: 'JWT', kid: 'unknown' }, secret: '' });

      expectInvalidToken(await getMe(`Bearer ${token}`));
    });
  });

  describe('time claims', () => {
    const nowSeconds = () => Math.floor(Date.now() / 1000);

    it('rejects a token that expired 5 seconds ago', async () => {
      const token = mintToken({ payload: validClaims({ exp: nowSeconds() - 5 }) });

      expectInvalidToken(await getMe(`Bearer ${token}`));
    });

    it('rejects a token at the second its exp names', async () => {
      const exp = nowSeconds() + 60;
      const token = mintToken({ payload: validClaims({ iat: exp - 120, exp }) });
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(exp * 1000);

      expectInvalidToken(await getMe(`Bearer ${token}`));
      expect(lastRejectionReason()).toBe('FAST_JWT_EXPIRED');
    });

    it('accepts a token one millisecond before exp', async () => {
      const exp = nowSeconds() + 60;
      const token = mintToken({ payload: validClaims({ iat: exp - 120, exp }) });
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(exp * 1000 - 1);

      expect((await getMe(`Bearer ${token}`)).statusCode).toBe(200);
    });

    it('rejects a cached token once it expires', async () => {
      const exp = nowSeconds() + 60;
      const token = mintToken({ payload: validClaims({ iat: exp - 120, exp }) });

      expect((await getMe(`Bearer ${token}`)).statusCode).toBe(200);
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime((exp + 3600) * 1000);

      expectInvalidToken(await getMe(`Bearer ${token}`));
      expect(lastRejectionReason()).toBe('FAST_JWT_EXPIRED');
    });

    it('rejects a token whose nbf is 60 seconds ahead', async () => {
      const token = mintToken({ payload: validClaims({ nbf: nowSeconds() + 60 }) });

      expectInvalidToken(await getMe(`Bearer ${token}`));
      expect(lastRejectionReason()).toBe('FAST_JWT_INACTIVE');
    });

    it('rejects a token whose nbf is an hour ahead', async () => {
      const token = mintToken({ payload: validClaims({ nbf: nowSeconds() + 3600 }) });

      expectInvalidToken(await getMe(`Bearer ${token}`));
    });

    it('rejects exp given as a string', async () => {
      const token = mintToken({ payload: validClaims({ exp: '9999999999' }) });

      expectInvalidToken(await getMe(`Bearer ${token}`));
    });

    it('rejects a token without exp', async () => {
      const { exp: _exp, ...claims } = validClaims();

      expectInvalidToken(await getMe(`Bearer ${mintToken({ payload: claims })}`));
      expect(lastRejectionReason()).toBe('FAST_JWT_MISSING_REQUIRED_CLAIM');
    });

    it('rejects a negative exp', async () => {
      const token = mintToken({ payload: validClaims({ exp: -120 }) });

      expectInvalidToken(await getMe(`Bearer ${token}`));
    });

    it('rejects iat given as a string', async () => {
      const token = mintToken({ payload: validClaims({ iat: String(nowSeconds()) }) });

      expectInvalidToken(await getMe(`Bearer ${token}`));
    });
  });

  describe('issuer and audience', () => {
    it('rejects another audience', async () => {
      const token = mintToken({ payload: validClaims({ aud: 'other-service' }) });

      expectInvalidToken(await getMe(`Bearer ${token}`));
    });

    it('rejects a token without aud', async () => {
      const { aud: _aud, ...claims } = validClaims();

      expectInvalidToken(await getMe(`Bearer ${mintToken({ payload: claims })}`));
    });

    it('rejects another issuer', async () => {
      const token = mintToken({ payload: validClaims({ iss: 'https://evil.example' }) });

      expectInvalidToken(await getMe(`Bearer ${token}`));
    });

    it('rejects a token without iss', async () => {
      const { iss: _iss, ...claims } = validClaims();

      expectInvalidToken(await getMe(`Bearer ${mintToken({ payload: claims })}`));
    });

    it('checks the issuer exactly', async () => {
      const token = mintToken({ payload: validClaims({ iss: `${TEST_ISSUER}-other` }) });

      expectInvalidToken(await getMe(`Bearer ${token}`));
    });
  });

  describe('required claims', () => {
    for (const claim of ['sub', 'iat', 'exp', 'iss', 'aud', 'jti']) {
      it(`rejects a token without ${claim}`, async () => {
        const claims = validClaims();
        delete claims[claim];

        expectInvalidToken(await getMe(`Bearer ${mintToken({ payload: claims })}`));
      });
    }

    it('rejects a numeric sub', async () => {
      expectInvalidToken(await getMe(`Bearer ${mintToken({ payload: validClaims({ sub: 123 }) })}`));
    });

    it('rejects an empty sub', async () => {
      expectInvalidToken(await getMe(`Bearer ${mintToken({ payload: validClaims({ sub: '' }) })}`));
    });

    it('rejects a numeric jti', async () => {
      expectInvalidToken(await getMe(`Bearer ${mintToken({ payload: validClaims({ jti: 7 }) })}`));
    });
  });

  describe('malformed compact tokens', () => {
    const validToken = mintToken();
    const [validHeader = '', validPayload = ''] = validToken.split('.');

    const corpus: [string, () => string][] = [
      ['foo', () => 'foo'],
      ['foo.bar', () => 'foo.bar'],
      ['a.b.c', () => 'a.b.c'],
      ['Zm9v.b.c', () => 'Zm9v.b.c'],
      ['header null', () => signSegments(base64url('null'), validPayload)],
      ['header []', () => signSegments(base64url('[]'), validPayload)],
      ['header "foo"', () => signSegments(base64url('"foo"'), validPayload)],
      ['payload 123', () => signSegments(HS256_HEADER, base64url('123'))],
      ['payload null', () => signSegments(HS256_HEADER, base64url('null'))],
      ['payload ["a","b"]', () => signSegments(HS256_HEADER, base64url('["a","b"]'))],
      ['payload {', () => signSegments(HS256_HEADER, base64url('{'))],
      ['an empty signature', () => `${validHeader}.${validPayload}.`],
      ['the last 3 characters cut', () => validToken.slice(0, -3)],
      ['4 segments', () => `${validToken}.${validPayload}`],
      ['5 segments', () => `${validToken}.${validPayload}.${validPayload}`],
      ['a trailing = on the signature', () => `${validToken}=`],
      ['characters outside base64url', () => `${validHeader}.${validPayload}+/.${validToken.split('.')[2]}`],
      [
        'an overlong UTF-8 sequence in the payload',
        () => {
          const claims = JSON.stringify(validClaims({ sub: 'alice-X' }));
          const bytes = Buffer.from(claims);
          const marker = bytes.indexOf('X');
          const payload = Buffer.concat([
            bytes.subarray(0, marker),
            Buffer.from([0xc0, 0xaf]),
            bytes.subarray(marker + 1),
          ]);
          return signSegments(HS256_HEADER, base64url(payload));
        },
      ],
      ['8 KB of random base64url', () => randomBytes(6144).toString('base64url')],
    ];

    for (const [name, buildToken] of corpus) {
      it(`rejects ${name} with 401`, async () => {
        expectInvalidToken(await getMe(`Bearer ${buildToken()}`));
      });
    }

    for (const [name, separator] of [
      ['a space', ' '],
      ['a tab', '\t'],
      ['= inside a segment', '='],
    ] as const) {
      it(`rejects ${name} inside the token as a malformed header`, async () => {
        expectMalformedHeader(await getMe(`Bearer ${validHeader}.${separator}${validPayload}.sig`));
      });
    }
  });

  describe('Authorization header', () => {
    it('answers a request without credentials with a bare challenge', async () => {
      expectMissingToken(await getMe());
    });

    it('treats a Basic credential as no bearer token', async () => {
      expectMissingToken(await getMe('Basic dXNlcjpwdw=='));
    });

    it('treats an unknown scheme as no bearer token', async () => {
      expectMissingToken(await getMe('Token xyz'));
    });

    it('rejects Bearer without a token', async () => {
      expectMalformedHeader(await getMe('Bearer '));
      expectMalformedHeader(await getMe('Bearer'));
    });

    it('rejects two spaces after Bearer', async () => {
      expectMalformedHeader(await getMe(`Bearer  ${mintToken()}`));
    });

    it('rejects two tokens', async () => {
      expectMalformedHeader(await getMe(`Bearer ${mintToken()} ${mintToken()}`));
    });

    it('matches the scheme case-insensitively', async () => {
      expect((await getMe(`bearer ${mintToken()}`)).statusCode).toBe(200);
      expect((await getMe(`BEARER ${mintToken()}`)).statusCode).toBe(200);
    });

    it('rejects a token in the query string', async () => {
      const response = await app.inject({ method: 'GET', url: `/jwt/me?access_token=${mintToken()}` });

      expect(response.statusCode).toBe(400);
      expect(response.headers['www-authenticate']).toBe(INVALID_REQUEST_CHALLENGE);
      expect(response.json()).toEqual({
        statusCode: 400,
        code: 'AUTH_TOKEN_IN_QUERY',
        error: 'Bad Request',
        message: apiErrors.AUTH_TOKEN_IN_QUERY.message,
      });
    });

    it('rejects a query token next to a valid header', async () => {
      const response = await app.inject({
        method: 'GET',
        url: `/jwt/me?access_token=${mintToken()}`,
        headers: { authorization: `Bearer ${mintToken()}` },
      });

      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('AUTH_TOKEN_IN_QUERY');
    });
  });

  describe('error responses', () => {
    it('never answers a bad token with 5xx', async () => {
      const tokens = [
        'abc',
        'a.b',
        `${HS256_HEADER}.%%%.sig`,
        `${base64url({ alg: 'none' })}.${base64url(validClaims())}.`,
        mintToken({ payload: validClaims({ exp: 1 }) }),
        mintToken({ payload: validClaims({ nbf: Math.floor(Date.now() / 1000) + 3600 }) }),
        mintToken({ header: { alg: 'HS256', crit: ['unknown'], unknown: 1 } }),
        mintToken({ header: { alg: 'RS256' } }),
        mintToken({ payload: '"just a string"' }),
      ];

      for (const token of tokens) {
        const response = await getMe(`Bearer ${token}`);
        expect(response.statusCode, token).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, token).toBeLessThan(500);
        expect(response.body, token).not.toMatch(/at .+\.js:\d+/);
      }
    });

    it('logs the reason with sub and jti', async () => {
      const claims = validClaims({ sub: 'bob', jti: 'jti-for-the-log', aud: 'other-service' });

      await getMe(`Bearer ${mintToken({ payload: claims })}`);

      const line = logs.lines
        .map((entry) => JSON.parse(entry))
        .findLast((entry) => entry.msg === 'token rejected');
      expect(line.level).toBe(30);
      expect(line.reason).toBe('FAST_JWT_INVALID_CLAIM_VALUE');
      expect(line.claims).toEqual({ sub: 'bob', jti: 'jti-for-the-log' });
    });
  });
});

describe('GET /jwt/me with clock tolerance', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = buildApp(buildTestConfig({ API_JWT_CLOCK_TOLERANCE_SECONDS: '30' }), { logger: false });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it('accepts a token expired within the tolerance', async () => {
    const token = mintToken({ payload: validClaims({ exp: Math.floor(Date.now() / 1000) - 10 }) });

    const response = await app.inject({
      method: 'GET',
      url: '/jwt/me',
      headers: { authorization: `Bearer ${token}` },
    });

    expect(response.statusCode).toBe(200);
  });

  it('rejects a token expired beyond the tolerance', async () => {
    const token = mintToken({ payload: validClaims({ exp: Math.floor(Date.now() / 1000) - 35 }) });

    const response = await app.inject({
      method: 'GET',
      url: '/jwt/me',
      headers: { authorization: `Bearer ${token}` },
    });

    expectInvalidToken(response);
  });

  it('rejects an nbf beyond the tolerance', async () => {
    const token = mintToken({ payload: validClaims({ nbf: Math.floor(Date.now() / 1000) + 90 }) });

    const response = await app.inject({
      method: 'GET',
      url: '/jwt/me',
      headers: { authorization: `Bearer ${token}` },
    });

    expectInvalidToken(response);
  });
});
