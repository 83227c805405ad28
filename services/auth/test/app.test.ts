import type { RedisServer } from '@authlab/cluster';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { authErrors } from '../src/errors.js';
import { buildTestConfig, startAuthTestRedis } from './test-config.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Asserts the lab's error shape, status, code and the service's headers, with no stack trace. */
function expectError(response: LightMyRequestResponse, statusCode: number, code: keyof typeof authErrors) {
  expect(response.statusCode).toBe(statusCode);
  expect(response.headers['content-type']).toBe(JSON_TYPE);
  expect(response.headers['x-served-by']).toBe('auth');
  expect(response.headers['x-powered-by']).toBeUndefined();

  const body = response.json();
  expect(Object.keys(body).sort()).toEqual(['code', 'error', 'message', 'statusCode']);
  expect(body.statusCode).toBe(statusCode);
  expect(body.code).toBe(code);
  expect(body.message).toContain(authErrors[code].message);
  expect(response.body).not.toMatch(/\bat .+:\d+:\d+/);
}

function postLogin(app: FastifyInstance, payload: InjectOptions['payload'], contentType?: string) {
  return app.inject({
    method: 'POST',
    url: '/auth/login',
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    payload,
  });
}

describe('auth app', () => {
  let app: FastifyInstance;

  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startAuthTestRedis();
    app = buildApp(buildTestConfig(), { logger: false });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await redis?.stop();
  });

  describe('health', () => {
    it('returns ok on /healthz', async () => {
      const response = await app.inject({ method: 'GET', url: '/healthz' });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
      expect(response.headers['x-served-by']).toBe('auth');
    });

    it('returns ok on /readyz with Redis up', async () => {
      const response = await app.inject({ method: 'GET', url: '/readyz' });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok', checks: { redis: 'ok' } });
      expect(response.headers['x-served-by']).toBe('auth');
    });
  });

  describe('response headers', () => {
    it('echoes the incoming request id', async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': 'nginx-req-42' },
      });

      expect(response.headers['x-request-id']).toBe('nginx-req-42');
    });

    it('replaces a malformed request id', async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': 'forged"} {"level":60' },
      });

      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('generates a request id when none arrives', async () => {
      const response = await app.inject({ method: 'GET', url: '/healthz' });

      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('marks error responses with the request id', async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/nope',
        headers: { 'x-request-id': 'req-404' },
      });

      expect(response.headers['x-request-id']).toBe('req-404');
      expect(response.headers['cache-control']).toBe('no-store');
    });
  });

  describe('malformed JSON bodies', () => {
    it.each([
      ['an unclosed object', '{'],
      ['a trailing comma', '{"a":1,}'],
      ['an empty body', ''],
      ['bytes FF FE', Buffer.from([0xff, 0xfe])],
    ])('rejects %s with BODY_INVALID', async (_name, payload) => {
      const response = await postLogin(app, payload, 'application/json');

      expectError(response, 400, 'BODY_INVALID');
    });

    it.each([
      ['a string', '"str"'],
      ['an array', '[]'],
      ['null', 'null'],
    ])('rejects %s with REQUEST_INVALID', async (_name, payload) => {
      const response = await postLogin(app, payload, 'application/json');

      expectError(response, 400, 'REQUEST_INVALID');
      expect(response.json().message).toContain('body must be object');
    });
  });

  describe('prototype poisoning', () => {
    it.each([
      ['__proto__', '{"__proto__":{"admin":true},"username":"alice","password":"x"}'],
      [
        'constructor.prototype',
        '{"constructor":{"prototype":{"admin":true}},"username":"alice","password":"x"}',
      ],
    ])('rejects a %s key', async (_name, payload) => {
      const response = await postLogin(app, payload, 'application/json');

      expectError(response, 400, 'BODY_INVALID');
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });
  });

  describe('schema validation', () => {
    it.each([
      ['wrong types', { username: 123, password: true }, 'body/username must be string'],
      ['a missing password', { username: 'alice' }, "body must have required property 'password'"],
      ['a missing username', { password: 'x' }, "body must have required property 'username'"],
      [
        'an extra field',
        { username: 'alice', password: 'x', role: 'admin' },
        'must NOT have additional properties',
      ],
      [
        'an empty username',
        { username: '', password: 'x' },
        'body/username must NOT have fewer than 1 characters',
      ],
      [
        'an empty password',
        { username: 'alice', password: '' },
        'body/password must NOT have fewer than 1 characters',
      ],
      [
        'a 10,000-character username',
        { username: 'u'.repeat(10_000), password: 'x' },
        'body/username must NOT have more than 64 characters',
      ],
      [
        'a 1,025-character password',
        { username: 'alice', password: 'p'.repeat(1025) },
        'body/password must NOT have more than 1024 characters',
      ],
    ])('rejects %s with REQUEST_INVALID', async (_name, body, detail) => {
      const response = await postLogin(app, JSON.stringify(body), 'application/json');

      expectError(response, 400, 'REQUEST_INVALID');
      expect(response.json().message).toContain(detail);
    });
  });

  describe('body size', () => {
    it('rejects a body over the limit with BODY_TOO_LARGE', async () => {
      const payload = JSON.stringify({ username: 'alice', password: 'p'.repeat(16_384) });

      const response = await postLogin(app, payload, 'application/json');

      expectError(response, 413, 'BODY_TOO_LARGE');
    });

    it('honours a smaller configured limit', async () => {
      const smallApp = buildApp(buildTestConfig({ AUTH_BODY_LIMIT_BYTES: '1024' }), { logger: false });
      const payload = JSON.stringify({ username: 'alice', password: 'p'.repeat(1000) });

      const response = await postLogin(smallApp, payload, 'application/json');
      await smallApp.close();

      expectError(response, 413, 'BODY_TOO_LARGE');
    });
  });

  describe('content types', () => {
    const credentials = JSON.stringify({ username: 'alice', password: 'alice-in-the-lab' });

    it.each([
      ['text/plain', 'text/plain', credentials],
      ['text/plain with a charset', 'text/plain; charset=utf-8', credentials],
      ['form-urlencoded', 'application/x-www-form-urlencoded', 'username=alice&password=alice-in-the-lab'],
      ['multipart', 'multipart/form-data; boundary=x', '--x--'],
      ['XML', 'application/xml', '<login/>'],
      ['no content type', undefined, credentials],
    ])('rejects %s with MEDIA_TYPE_UNSUPPORTED', async (_name, contentType, payload) => {
      const response = await postLogin(app, payload, contentType);

      expectError(response, 415, 'MEDIA_TYPE_UNSUPPORTED');
    });
  });

  describe('routing', () => {
    it('rejects an unknown route with ROUTE_NOT_FOUND', async () => {
      const response = await app.inject({ method: 'GET', url: '/nope' });

      expectError(response, 404, 'ROUTE_NOT_FOUND');
      expect(response.json().message).toContain('(GET /nope)');
    });

    it('rejects GET on the login route', async () => {
      const response = await app.inject({ method: 'GET', url: '/auth/login' });

      expectError(response, 404, 'ROUTE_NOT_FOUND');
    });

    it('rejects a malformed percent-encoding', async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/%',
        headers: { 'x-request-id': 'req-bad-url' },
      });

      expectError(response, 400, 'URL_INVALID');
      expect(response.headers['x-request-id']).toBe('req-bad-url');
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('does not echo a TRACE request', async () => {
      const response = await app.inject({ method: 'TRACE', url: '/', headers: { 'x-probe': 'echo-me' } });

      expectError(response, 404, 'ROUTE_NOT_FOUND');
      expect(response.body).not.toContain('echo-me');
    });
  });

  describe('trusted proxies', () => {
    async function logRemoteAddress(trustProxy: string): Promise<string> {
      const lines: string[] = [];
      const probeApp = buildApp(buildTestConfig({ AUTH_TRUST_PROXY: trustProxy }), {
        logger: { stream: { write: (line: string) => lines.push(line) } },
      });

      await probeApp.inject({
        method: 'GET',
        url: '/healthz',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': '203.0.113.7' },
      });
      await probeApp.close();

      const incoming = lines
        .map((line) => JSON.parse(line))
        .find((entry) => entry.msg === 'incoming request');
      return incoming.req.remoteAddress;
    }

    it('ignores X-Forwarded-For by default', async () => {
      expect(await logRemoteAddress('')).toBe('127.0.0.1');
    });

    it('trusts X-Forwarded-For from a listed proxy', async () => {
      expect(await logRemoteAddress('127.0.0.1')).toBe('203.0.113.7');
    });

    it('ignores X-Forwarded-For from an unlisted address', async () => {
      expect(await logRemoteAddress('10.0.0.0/8')).toBe('127.0.0.1');
    });
  });
});
