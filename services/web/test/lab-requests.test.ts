import { DEMO_CREDENTIALS } from '@authlab/users';
import { describe, expect, it } from 'vitest';
import { DEMO_USERS, findStrategy, type StrategyEntry } from '../src/catalog.js';
import {
  decodeDisplayClaims,
  encodeBase64,
  maskAuthorization,
  maskSecret,
  planLogin,
  planLogout,
  planMe,
  SIGNED_OUT,
} from '../src/lab-requests.js';

const BASE_URL = 'http://127.0.0.1:8080';
const alice = { username: 'alice', password: 'alice-in-the-lab' };

function strategy(id: string): StrategyEntry {
  const entry = findStrategy(id);
  if (!entry) {
    throw new Error(`no strategy ${id} in the catalog`);
  }
  return entry;
}

describe('demo users', () => {
  it('match the published demo credentials', () => {
    expect(DEMO_USERS).toEqual(DEMO_CREDENTIALS);
  });
});

describe('planLogin', () => {
  it('posts JSON to the auth service for jwt without cookies', () => {
    expect(planLogin(strategy('jwt'), BASE_URL, alice)).toEqual({
      method: 'POST',
      url: 'http://127.0.0.1:8080/auth/login',
      credentials: 'omit',
      headers: { 'content-type': 'application/json' },
      body: '{"username":"alice","password":"alice-in-the-lab"}',
    });
  });

  it('includes credentials for the cookie strategies', () => {
    for (const id of ['session-memory', 'session-redis']) {
      const planned = planLogin(strategy(id), BASE_URL, alice);
      expect(planned?.url).toBe(`${BASE_URL}/${id}/login`);
      expect(planned?.credentials).toBe('include');
    }
  });

  it('has no sign-in request for basic', () => {
    expect(planLogin(strategy('basic'), BASE_URL, alice)).toBeNull();
  });
});

describe('planMe', () => {
  it('sends the token as a Bearer header for jwt', () => {
    const planned = planMe(strategy('jwt'), BASE_URL, { accessToken: 'a.b.c', basicCredentials: null });

    expect(planned.url).toBe(`${BASE_URL}/jwt/me`);
    expect(planned.headers).toEqual({ authorization: 'Bearer a.b.c' });
    expect(planned.credentials).toBe('omit');
  });

  it('sends no Authorization header when signed out', () => {
    expect(planMe(strategy('jwt'), BASE_URL, SIGNED_OUT).headers).toEqual({});
  });

  it('relies on the cookie for the session strategies', () => {
    const planned = planMe(strategy('session-redis'), BASE_URL, SIGNED_OUT);

    expect(planned.url).toBe(`${BASE_URL}/session-redis/me`);
    expect(planned.headers).toEqual({});
    expect(planned.credentials).toBe('include');
  });

  it('sends the password in a Basic header for basic', () => {
    const planned = planMe(strategy('basic'), BASE_URL, { accessToken: null, basicCredentials: alice });
    expect(planned.headers).toEqual({ authorization: `Basic ${encodeBase64('alice:alice-in-the-lab')}` });
  });
});

describe('planLogout', () => {
  it('posts to the logout route of a cookie strategy', () => {
    expect(planLogout(strategy('session-memory'), BASE_URL)).toMatchObject({
      method: 'POST',
      url: `${BASE_URL}/session-memory/logout`,
      credentials: 'include',
    });
  });

  it('has no request for jwt, which forgets the token in the page', () => {
    expect(planLogout(strategy('jwt'), BASE_URL)).toBeNull();
  });
});

describe('encodeBase64', () => {
  it('encodes UTF-8 bytes', () => {
    expect(encodeBase64('alice:pw')).toBe(Buffer.from('alice:pw').toString('base64'));
    expect(encodeBase64('名字:密码')).toBe(Buffer.from('名字:密码', 'utf8').toString('base64'));
  });
});

describe('masking', () => {
  it('shows the start and the length of a secret', () => {
    expect(maskSecret('abcdefghijklmnop', 4)).toBe('abcd… (16)');
    expect(maskSecret('short', 10)).toBe('••••• (5)');
  });

  it('hides all of a Basic credential and the end of a Bearer token', () => {
    expect(maskAuthorization('Basic YWxpY2U6cHc=')).toBe('Basic … (12)');
    expect(maskAuthorization('Bearer eyJhbGciOiJIUzI1NiJ9.x.y')).toBe('Bearer eyJhbGciOi… (24)');
  });
});

describe('decodeDisplayClaims', () => {
  function encodePart(value: object): string {
    return Buffer.from(JSON.stringify(value)).toString('base64url');
  }

  it('reads sub, jti, iat and exp', () => {
    const token = `${encodePart({ alg: 'HS256' })}.${encodePart({ sub: 'alice', jti: 'j-1', iat: 10, exp: 910 })}.sig`;

    expect(decodeDisplayClaims(token)).toEqual({
      sub: 'alice',
      jti: 'j-1',
      issuedAtSeconds: 10,
      expiresAtSeconds: 910,
    });
  });

  it('returns null for text that is not a compact JWT', () => {
    expect(decodeDisplayClaims('not-a-token')).toBeNull();
    expect(decodeDisplayClaims('a.%%%.c')).toBeNull();
    expect(decodeDisplayClaims(`a.${Buffer.from('"text"').toString('base64url')}.c`)).toBeNull();
  });
});
