import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildErrorFactory, handleFrameworkError, httpErrorsPlugin } from '../src/index.js';

const createError = buildErrorFactory({
  DEMO_UNAVAILABLE: { statusCode: 503, message: 'The demo store is unavailable. Retry later.' },
});

describe('httpErrorsPlugin', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify({ logger: false, frameworkErrors: handleFrameworkError });
    await app.register(httpErrorsPlugin);
    app.post(
      '/echo',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: { name: { type: 'string', maxLength: 8 } },
          },
        },
      },
      async function echo(request) {
        return request.body;
      },
    );
    app.get('/unavailable', async function unavailable() {
      throw createError('DEMO_UNAVAILABLE', { headers: { 'retry-after': '5' } });
    });
    app.get('/crash', async function crash() {
      throw new Error('secret detail /srv/app.js:12');
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it('keeps the code, status and headers of an AppError', async () => {
    const response = await app.inject({ method: 'GET', url: '/unavailable' });

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual({
      statusCode: 503,
      code: 'DEMO_UNAVAILABLE',
      error: 'Service Unavailable',
      message: 'The demo store is unavailable. Retry later.',
    });
  });

  it.each([
    ['{', 'application/json'],
    ['{"a":1,}', 'application/json'],
    ['', 'application/json'],
    ['{"__proto__":{"admin":true},"name":"a"}', 'application/json'],
    ['{"constructor":{"prototype":{"admin":true}}}', 'application/json'],
  ])('answers 400 BODY_INVALID for body %j', async (payload, contentType) => {
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': contentType },
      payload,
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('BODY_INVALID');
  });

  it('answers 400 REQUEST_INVALID naming the field for a schema mismatch', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: { name: 'far-too-long-name' },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('REQUEST_INVALID');
    expect(response.json().message).toContain('name');
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });

    expect(response.statusCode).toBe(415);
    expect(response.json().code).toBe('MEDIA_TYPE_UNSUPPORTED');
  });

  it('answers 404 ROUTE_NOT_FOUND as JSON', async () => {
    const response = await app.inject({ method: 'GET', url: '/nope?x=1' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', error: 'Not Found' });
    expect(response.json().message).toContain('GET /nope');
  });

  it('answers 400 URL_INVALID for a malformed percent-encoding', async () => {
    const response = await app.inject({ method: 'GET', url: '/%' });

    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('URL_INVALID');
  });

  it('hides the detail of an unexpected error', async () => {
    const response = await app.inject({ method: 'GET', url: '/crash' });

    expect(response.statusCode).toBe(500);
    expect(response.json().code).toBe('INTERNAL_ERROR');
    expect(response.body).not.toContain('secret detail');
    expect(response.body).not.toContain('app.js');
  });

  it('marks error responses as not cacheable', async () => {
    const response = await app.inject({ method: 'GET', url: '/nope' });

    expect(response.headers['cache-control']).toBe('no-store');
  });
});
