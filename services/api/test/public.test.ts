import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { buildTestConfig } from './helpers.js';

describe('GET /public/me', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = buildApp(buildTestConfig({ REPLICA_ID: 'api-4' }), { logger: false });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it('returns the replica without authentication', async () => {
    const response = await app.inject({ method: 'GET', url: '/public/me' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ strategy: 'none', servedBy: 'api-4' });
    expect(response.headers['x-served-by']).toBe('api-4');
  });

  it('sets no cookie', async () => {
    const response = await app.inject({ method: 'GET', url: '/public/me' });

    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('ignores credentials', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/public/me',
      headers: { authorization: 'Bearer not-a-token', cookie: 'sid_redis=unknown' },
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ strategy: 'none', servedBy: 'api-4' });
  });
});
