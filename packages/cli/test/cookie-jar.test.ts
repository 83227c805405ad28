import { describe, expect, it } from 'vitest';
import { CookieJar } from '../src/index.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('CookieJar', () => {
  it('sends back a stored cookie', () => {
    const jar = new CookieJar(() => NOW);

    jar.storeResponseCookies(['sid_redis=abc.def; Path=/; HttpOnly; SameSite=Lax']);

    expect(jar.cookieHeader()).toBe('sid_redis=abc.def');
  });

  it('keeps cookies by name and replaces a value', () => {
    const jar = new CookieJar(() => NOW);

    jar.storeResponseCookies(['a=1', 'b=2']);
    jar.store('a=3; Path=/');

    expect(jar.cookieHeader()).toBe('a=3; b=2');
    expect(jar.size).toBe(2);
  });

  it('keeps an equals sign inside the value', () => {
    const jar = new CookieJar(() => NOW);

    jar.store('sid=abc.sig+/=; Path=/');

    expect(jar.get('sid')).toBe('abc.sig+/=');
  });

  it('deletes a cookie on Max-Age=0', () => {
    const jar = new CookieJar(() => NOW);
    jar.store('sid_memory=abc; Path=/');

    jar.store('sid_memory=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT');

    expect(jar.get('sid_memory')).toBeUndefined();
    expect(jar.cookieHeader()).toBeUndefined();
  });

  it('deletes a cookie on a past Expires', () => {
    const jar = new CookieJar(() => NOW);
    jar.store('sid=abc');

    jar.store('sid=; Expires=Thu, 01 Jan 1970 00:00:00 GMT');

    expect(jar.size).toBe(0);
  });

  it('lets Max-Age win over Expires', () => {
    const jar = new CookieJar(() => NOW);

    jar.store('sid=abc; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT');

    expect(jar.get('sid')).toBe('abc');
  });

  it('drops a cookie once its Max-Age has passed', () => {
    let now = NOW;
    const jar = new CookieJar(() => now);
    jar.store('sid=abc; Max-Age=60');

    now = NOW + 59_000;
    expect(jar.get('sid')).toBe('abc');

    now = NOW + 60_000;
    expect(jar.get('sid')).toBeUndefined();
  });

  it('drops a cookie once its Expires has passed', () => {
    let now = NOW;
    const jar = new CookieJar(() => now);
    jar.store(`sid=abc; Expires=${new Date(NOW + 1_000).toUTCString()}`);

    expect(jar.cookieHeader()).toBe('sid=abc');

    now = NOW + 1_000;
    expect(jar.cookieHeader()).toBeUndefined();
  });

  it('ignores a Max-Age that is not a number', () => {
    const jar = new CookieJar(() => NOW);

    jar.store('sid=abc; Max-Age=soon');

    expect(jar.get('sid')).toBe('abc');
  });

  it('ignores a header without a name', () => {
    const jar = new CookieJar(() => NOW);

    jar.store('=abc');
    jar.store('no-equals-sign');
    jar.storeResponseCookies(undefined);

    expect(jar.size).toBe(0);
  });

  it('accepts a single header string', () => {
    const jar = new CookieJar(() => NOW);

    jar.storeResponseCookies('sid=abc; HttpOnly');

    expect(jar.cookieHeader()).toBe('sid=abc');
  });
});
