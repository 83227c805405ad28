import { describe, expect, it } from 'vitest';
import { NonLoopbackTargetError, parseLoopbackTarget } from '../src/loopback.js';

describe('parseLoopbackTarget', () => {
  it('accepts any 127.0.0.0/8 address', () => {
    const target = parseLoopbackTarget('http://127.0.11.2:3000');

    expect(target).toEqual({
      origin: 'http://127.0.11.2:3000',
      connectHost: '127.0.11.2',
      port: 3000,
      hostHeader: '127.0.11.2:3000',
    });
  });

  it('connects to 127.0.0.1 for localhost', () => {
    expect(parseLoopbackTarget('http://localhost:8080').connectHost).toBe('127.0.0.1');
  });

  it('accepts the IPv6 loopback address', () => {
    expect(parseLoopbackTarget('http://[::1]:8080').connectHost).toBe('::1');
  });

  it('rejects addresses outside the loopback range', () => {
    for (const url of [
      'http://10.0.0.1',
      'http://192.168.1.10:8080',
      'http://169.254.169.254',
      'http://[::2]:80',
    ]) {
      expect(() => parseLoopbackTarget(url)).toThrow(NonLoopbackTargetError);
    }
  });

  it('rejects hostnames without resolving them', () => {
    expect(() => parseLoopbackTarget('http://example.com')).toThrow(
      'the bench only sends load to this machine, but http://example.com is not a loopback address: use 127.0.0.0/8, ::1 or localhost',
    );
  });

  it('rejects schemes other than http', () => {
    expect(() => parseLoopbackTarget('https://127.0.0.1')).toThrow(
      'bench target https://127.0.0.1 uses https:, but the bench speaks plain http: only',
    );
  });

  it('rejects text that is not a URL', () => {
    expect(() => parseLoopbackTarget('127.0.0.1:8080/x y')).toThrow(TypeError);
  });
});
