import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort, isPortOpen, type RedisServer, startRedisServer } from '../src/index.js';

describe('startRedisServer', () => {
  let server: RedisServer | undefined;

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('serves on the given address until stopped', async () => {
    const port = await findFreePort();
    server = await startRedisServer({ host: '127.0.0.1', port });

    expect(await isPortOpen('127.0.0.1', port)).toBe(true);
    await server.stop();
    expect(await isPortOpen('127.0.0.1', port)).toBe(false);
  });

  it('binds a loopback address other than 127.0.0.1', async () => {
    const port = await findFreePort('127.0.12.9');
    server = await startRedisServer({ host: '127.0.12.9', port });

    expect(server.url).toBe(`redis://127.0.12.9:${port}`);
    expect(await isPortOpen('127.0.12.9', port)).toBe(true);
  });
});
