import { describe, expect, it } from 'vitest';
import { parseBearerToken } from '../src/bearer-token.js';

describe('parseBearerToken', () => {
  it('returns the token after Bearer and one space', () => {
    expect(parseBearerToken('Bearer abc.DEF-_~+/.x==')).toEqual({ kind: 'token', token: 'abc.DEF-_~+/.x==' });
  });

  it('matches the scheme in any case', () => {
    expect(parseBearerToken('bearer abc')).toEqual({ kind: 'token', token: 'abc' });
    expect(parseBearerToken('BeArEr abc')).toEqual({ kind: 'token', token: 'abc' });
  });

  it('reports no header as missing', () => {
    expect(parseBearerToken(undefined)).toEqual({ kind: 'missing' });
    expect(parseBearerToken('')).toEqual({ kind: 'missing' });
  });

  it('reports another scheme as missing', () => {
    expect(parseBearerToken('Basic dXNlcjpwdw==')).toEqual({ kind: 'missing' });
    expect(parseBearerToken('Token abc')).toEqual({ kind: 'missing' });
    expect(parseBearerToken('Bearerabc')).toEqual({ kind: 'missing' });
  });

  it('reports Bearer without a token as malformed', () => {
    expect(parseBearerToken('Bearer').kind).toBe('malformed');
    expect(parseBearerToken('Bearer ').kind).toBe('malformed');
  });

  it('reports extra whitespace as malformed', () => {
    expect(parseBearerToken('Bearer  abc').kind).toBe('malformed');
    expect(parseBearerToken('Bearer abc ').kind).toBe('malformed');
    expect(parseBearerToken('Bearer abc def').kind).toBe('malformed');
    expect(parseBearerToken('Bearer\tabc').kind).toBe('missing');
    expect(parseBearerToken('Bearer a\tb').kind).toBe('malformed');
  });

  it('reports characters outside b64token as malformed', () => {
    for (const token of ['a=b', '=abc', 'a,b', 'a"b', 'a%b', 'ä']) {
      expect(parseBearerToken(`Bearer ${token}`).kind, token).toBe('malformed');
    }
  });
});
