import { ConfigError, readConfig } from '@authlab/config';
import { AppError, httpErrorsPlugin } from '@authlab/http-errors';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildCorsOriginsSpec,
  CORS_POLICY,
  checkCorsOrigins,
  corsErrors,
  corsPolicyPlugin,
  DEFAULT_DASHBOARD_ORIGINS,
  findOriginProblem,
  isCorsPreflight,
} from '../src/index.js';

const DASHBOARD = 'http://127.0.0.1:8088';
const TOKEN = 'good-token';

/** Origins that must get no CORS header: other sites, look-alikes, other schemes and ports, and `null`. */
const UNLISTED_ORIGINS = [
  'http://evil.localhost:6666',
  'http://127.0.0.1:8088.evil.test',
  'http://localhost:8088.evil.test',
  'http://evillocalhost:8088',
  'https://127.0.0.1:8088',
  'https://localhost:8088',
  'http://127.0.0.1:8089',
  'http://localhost:5173',
  'http://127.0.0.2:8088',
  'http://127.0.0.1:8088/',
  'HTTP://127.0.0.1:8088',
  'null',
  '',
];

type AuthOrder = 'after-cors' | 'before-cors' | 'before-cors-skipping-preflights';

/** An auth check like the replicas': a Bearer token on every request, or 401 with WWW-Authenticate. */
async function requireToken(request: FastifyRequest, _reply: FastifyReply) {
  if (request.url === '/login') {
    return;
  }
  if (request.headers.authorization !== `Bearer ${TOKEN}`) {
    throw new AppError(
      'AUTH_TOKEN_MISSING',
      { statusCode: 401, message: 'Sign in first.' },
      { headers: { 'www-authenticate': 'Bearer realm="authlab"' } },
    );
  }
}

async function requireTokenUnlessPreflight(request: FastifyRequest, reply: FastifyReply) {
  if (isCorsPreflight(request)) {
    return;
  }
  return requireToken(request, reply);
}

const apps: FastifyInstance[] = [];

/** Builds a small service with the plugin, a protected `GET /me` and a JSON-only `POST /login`. */
async function buildTestApp(authOrder: AuthOrder = 'after-cors'): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  apps.push(app);
  app.removeContentTypeParser('text/plain');
  app.register(httpErrorsPlugin);

  if (authOrder === 'before-cors') {
    app.addHook('onRequest', requireToken);
  }
  if (authOrder === 'before-cors-skipping-preflights') {
    app.addHook('onRequest', requireTokenUnlessPreflight);
  }
  await app.register(corsPolicyPlugin, { allowedOrigins: DEFAULT_DASHBOARD_ORIGINS });
  if (authOrder === 'after-cors') {
    app.addHook('onRequest', requireToken);
  }

  app.addHook('onSend', async function addServedBy(request, reply, payload) {
    reply.header('x-served-by', 'api-1');
    reply.header('x-request-id', request.id);
    return payload;
  });
  app.get('/me', async function handleMe() {
    return { sub: 'alice' };
  });
  app.post('/login', async function handleLogin() {
    return { ok: true };
  });

  await app.ready();
  return app;
}

function preflightHeaders(origin: string): Record<string, string> {
  return {
    origin,
    'access-control-request-method': 'GET',
    'access-control-request-headers': 'authorization,content-type',
  };
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe('allowed origins', () => {
  it('echo the exact origin with credentials', async () => {
    const app = await buildTestApp();

    for (const origin of DEFAULT_DASHBOARD_ORIGINS) {
      const response = await app.inject({
        method: 'GET',
        url: '/me',
        headers: { origin, authorization: `Bearer ${TOKEN}` },
      });

      expect(response.statusCode).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBe(origin);
      expect(response.headers['access-control-allow-credentials']).toBe('true');
      expect(response.headers.vary).toContain('Origin');
    }
  });

  it('expose X-Served-By and X-Request-Id', async () => {
    const app = await buildTestApp();

    const response = await app.inject({
      method: 'GET',
      url: '/me',
      headers: { origin: DASHBOARD, authorization: `Bearer ${TOKEN}` },
    });

    expect(response.headers['access-control-expose-headers']).toBe('X-Served-By, X-Request-Id');
  });

  it('keep CORS headers on a 401, so the page can read it', async () => {
    const app = await buildTestApp();

    const response = await app.inject({ method: 'GET', url: '/me', headers: { origin: DASHBOARD } });

    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('AUTH_TOKEN_MISSING');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="authlab"');
    expect(response.headers['access-control-allow-origin']).toBe(DASHBOARD);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
  });

  it('keep CORS headers on a 404', async () => {
    const app = await buildTestApp();

    const response = await app.inject({
      method: 'GET',
      url: '/nowhere',
      headers: { origin: DASHBOARD, authorization: `Bearer ${TOKEN}` },
    });

    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('ROUTE_NOT_FOUND');
    expect(response.headers['access-control-allow-origin']).toBe(DASHBOARD);
  });

  it('never get the wildcard', async () => {
    const app = await buildTestApp();

    for (const url of ['/me', '/login', '/nowhere']) {
      const response = await app.inject({
        method: url === '/login' ? 'POST' : 'GET',
        url,
        headers: { origin: DASHBOARD, authorization: `Bearer ${TOKEN}` },
        ...(url === '/login' ? { payload: {} } : {}),
      });
      expect(response.headers['access-control-allow-origin'], url).not.toBe('*');
    }
  });
});

describe('unlisted origins', () => {
  it('get no CORS header and the no-Origin status', async () => {
    const app = await buildTestApp();

    for (const authorization of [`Bearer ${TOKEN}`, undefined]) {
      const baseline = await app.inject({
        method: 'GET',
        url: '/me',
        headers: authorization ? { authorization } : {},
      });

      for (const origin of UNLISTED_ORIGINS) {
        const response = await app.inject({
          method: 'GET',
          url: '/me',
          headers: { origin, ...(authorization ? { authorization } : {}) },
        });

        expect(response.statusCode, origin).toBe(baseline.statusCode);
        expect(response.headers['access-control-allow-origin'], origin).toBeUndefined();
        expect(response.headers['access-control-allow-credentials'], origin).toBeUndefined();
        expect(response.headers['access-control-expose-headers'], origin).toBeUndefined();
        expect(response.headers.vary, origin).toContain('Origin');
      }
    }
  });

  it('get no CORS header on a preflight and no 5xx', async () => {
    const app = await buildTestApp();

    for (const origin of UNLISTED_ORIGINS.filter((value) => value !== '')) {
      const response = await app.inject({ method: 'OPTIONS', url: '/me', headers: preflightHeaders(origin) });

      expect(response.statusCode, origin).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, origin).toBeLessThan(500);
      expect(response.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(response.headers['access-control-allow-methods'], origin).toBeUndefined();
      expect(response.headers['access-control-allow-headers'], origin).toBeUndefined();
    }
  });
});

describe('preflight', () => {
  it('is answered before authentication', async () => {
    const app = await buildTestApp();

    const response = await app.inject({
      method: 'OPTIONS',
      url: '/me',
      headers: preflightHeaders(DASHBOARD),
    });

    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(response.headers['access-control-allow-origin']).toBe(DASHBOARD);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(response.headers['access-control-allow-methods']?.toString().split(', ')).toContain('GET');
    expect(response.headers['access-control-allow-methods']?.toString().split(', ')).toContain('POST');
    expect(response.headers['access-control-allow-headers']).toBe('authorization, content-type');
    expect(response.headers['access-control-max-age']).toBe(String(CORS_POLICY.maxAgeSeconds));
    expect(Number(response.headers['access-control-max-age'])).toBeLessThanOrEqual(600);
    expect(response.headers.vary).toContain('Origin');
  });

  it('names authorization even when not requested', async () => {
    const app = await buildTestApp();

    const response = await app.inject({
      method: 'OPTIONS',
      url: '/login',
      headers: { origin: DASHBOARD, 'access-control-request-method': 'POST' },
    });

    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-headers']).toContain('authorization');
  });

  it('without Access-Control-Request-Method is a JSON 400', async () => {
    const app = await buildTestApp();

    const response = await app.inject({ method: 'OPTIONS', url: '/me', headers: { origin: DASHBOARD } });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual({
      statusCode: 400,
      code: 'CORS_PREFLIGHT_INVALID',
      error: 'Bad Request',
      message: corsErrors.CORS_PREFLIGHT_INVALID.message,
    });
  });

  it('without any CORS header is a JSON 400, not a 401', async () => {
    const app = await buildTestApp('before-cors-skipping-preflights');

    const response = await app.inject({
      method: 'OPTIONS',
      url: '/me',
      headers: { authorization: `Bearer ${TOKEN}` },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('CORS_PREFLIGHT_INVALID');
  });
});

describe('hook order', () => {
  it('lets an auth hook registered after the plugin miss preflights', async () => {
    const app = await buildTestApp('after-cors');

    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/me',
      headers: preflightHeaders(DASHBOARD),
    });
    const unauthenticated = await app.inject({ method: 'GET', url: '/me', headers: { origin: DASHBOARD } });

    expect(preflight.statusCode).toBe(204);
    expect(unauthenticated.statusCode).toBe(401);
  });

  it('lets an auth hook registered before the plugin reject preflights', async () => {
    const app = await buildTestApp('before-cors');

    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/me',
      headers: preflightHeaders(DASHBOARD),
    });

    expect(preflight.statusCode).toBe(401);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('accepts an earlier auth hook that skips preflights', async () => {
    const app = await buildTestApp('before-cors-skipping-preflights');

    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/me',
      headers: preflightHeaders(DASHBOARD),
    });
    const unauthenticated = await app.inject({ method: 'GET', url: '/me', headers: { origin: DASHBOARD } });

    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(DASHBOARD);
    expect(unauthenticated.statusCode).toBe(401);
  });
});

describe('registration', () => {
  it('rejects the wildcard', async () => {
    for (const allowedOrigins of [['*'], [DASHBOARD, '*']]) {
      const app = Fastify({ logger: false });
      apps.push(app);
      app.register(corsPolicyPlugin, { allowedOrigins });

      await expect(app.ready()).rejects.toThrow(/wildcard \* cannot be combined with credentials/);
    }
  });

  it('rejects null and malformed origins', async () => {
    const app = Fastify({ logger: false });
    apps.push(app);
    app.register(corsPolicyPlugin, { allowedOrigins: ['null', 'http://127.0.0.1:8088/', '127.0.0.1:8088'] });

    await expect(app.ready()).rejects.toThrow(TypeError);
  });

  it('rejects missing options', async () => {
    const app = Fastify({ logger: false });
    apps.push(app);
    app.register(corsPolicyPlugin, {} as never);

    await expect(app.ready()).rejects.toThrow(/needs allowedOrigins/);
  });
});

describe('configuration', () => {
  const schema = { API_CORS_ORIGINS: buildCorsOriginsSpec() } as const;

  it('defaults to the dashboard origins', () => {
    const config = readConfig(schema, {});

    expect(config.API_CORS_ORIGINS).toEqual(['http://127.0.0.1:8088', 'http://localhost:8088']);
    expect(checkCorsOrigins('API_CORS_ORIGINS', config.API_CORS_ORIGINS)).toEqual([]);
  });

  it('reports the wildcard with the variable name', () => {
    const config = readConfig(schema, { API_CORS_ORIGINS: 'http://127.0.0.1:8088, *' });
    const problems = checkCorsOrigins('API_CORS_ORIGINS', config.API_CORS_ORIGINS);

    expect(problems).toHaveLength(1);
    expect(problems[0]?.variable).toBe('API_CORS_ORIGINS');
    expect(problems[0]?.message).toMatch(/^API_CORS_ORIGINS is invalid: the wildcard \* cannot be combined/);
    expect(new ConfigError(problems).message).toContain('API_CORS_ORIGINS');
  });

  it('explains each malformed origin', () => {
    expect(findOriginProblem('http://127.0.0.1:8088')).toBeNull();
    expect(findOriginProblem('https://lab.example')).toBeNull();
    expect(findOriginProblem('null')).toMatch(/never allowed/);
    expect(findOriginProblem('http://127.0.0.1:8088/')).toBe(
      '"http://127.0.0.1:8088/" does not match the Origin header browsers send; write it as "http://127.0.0.1:8088"',
    );
    expect(findOriginProblem('http://LOCALHOST:80')).toMatch(/write it as "http:\/\/localhost"/);
    expect(findOriginProblem('ftp://127.0.0.1')).toMatch(/not an http or https origin/);
    expect(findOriginProblem('localhost')).toMatch(/not an origin/);
  });
});
