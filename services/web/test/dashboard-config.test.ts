import { describe, expect, it } from 'vitest';
import {
  buildDefaultBalancerUrls,
  isSameSite,
  normalizeApiBase,
  normalizeBaseUrl,
  parseDashboardConfig,
} from '../src/dashboard-config.js';

describe('buildDefaultBalancerUrls', () => {
  it('points round-robin at port 8080 of 127.0.0.1 by default', () => {
    expect(buildDefaultBalancerUrls('127.0.0.1')['round-robin']).toBe('http://127.0.0.1:8080');
  });

  it('keeps a loopback page host so cookies stay same-site', () => {
    expect(buildDefaultBalancerUrls('localhost')['round-robin']).toBe('http://localhost:8080');
  });

  it('falls back to 127.0.0.1 for any other page host', () => {
    expect(buildDefaultBalancerUrls('lab.example')['round-robin']).toBe('http://127.0.0.1:8080');
  });
});

describe('normalizeBaseUrl', () => {
  it('returns the origin of an http or https URL without a path', () => {
    expect(normalizeBaseUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(normalizeBaseUrl(' http://127.0.0.1:8080/ ')).toBe('http://127.0.0.1:8080');
    expect(normalizeBaseUrl('https://LAB.example')).toBe('https://lab.example');
  });

  it('rejects other schemes, paths, queries and credentials', () => {
    expect(normalizeBaseUrl('ftp://127.0.0.1')).toBeNull();
    expect(normalizeBaseUrl('javascript:alert(1)')).toBeNull();
    expect(normalizeBaseUrl('http://127.0.0.1:8080/api')).toBeNull();
    expect(normalizeBaseUrl('http://127.0.0.1:8080/?x=1')).toBeNull();
    expect(normalizeBaseUrl('http://user:pw@127.0.0.1:8080')).toBeNull();
    expect(normalizeBaseUrl('127.0.0.1:8080')).toBeNull();
    expect(normalizeBaseUrl('')).toBeNull();
  });
});

describe('normalizeApiBase', () => {
  it('keeps a same-origin path without its trailing slash', () => {
    expect(normalizeApiBase('/drills')).toBe('/drills');
    expect(normalizeApiBase(' /drills/ ')).toBe('/drills');
    expect(normalizeApiBase('/lab/drills')).toBe('/lab/drills');
  });

  it('keeps an absolute http or https URL with its path', () => {
    expect(normalizeApiBase('http://127.0.0.1:8099/drills/')).toBe('http://127.0.0.1:8099/drills');
    expect(normalizeApiBase('https://LAB.example')).toBe('https://lab.example');
  });

  it('rejects protocol-relative URLs, other schemes, queries and credentials', () => {
    expect(normalizeApiBase('//evil.example/drills')).toBeNull();
    expect(normalizeApiBase('javascript:alert(1)')).toBeNull();
    expect(normalizeApiBase('/drills?x=1')).toBeNull();
    expect(normalizeApiBase('/drills#top')).toBeNull();
    expect(normalizeApiBase('http://user:pw@127.0.0.1/drills')).toBeNull();
    expect(normalizeApiBase('drills')).toBeNull();
    expect(normalizeApiBase('')).toBeNull();
  });
});

describe('parseDashboardConfig', () => {
  it('uses the defaults when config.json is missing', () => {
    const parsed = parseDashboardConfig(undefined, '127.0.0.1');

    expect(parsed.config).toEqual({
      balancerUrls: {
        'round-robin': 'http://127.0.0.1:8080',
        'ip-hash': 'http://127.0.0.1:8081',
        'cookie-hash': 'http://127.0.0.1:8082',
        'sticky-route': 'http://127.0.0.1:8083',
      },
      drillApiUrl: null,
    });
    expect(parsed.notices).toEqual([]);
    expect(Object.isFrozen(parsed.config)).toBe(true);
  });

  it('reads balancer URLs and the drill API URL', () => {
    const parsed = parseDashboardConfig(
      { balancerUrls: { 'round-robin': 'http://127.0.0.2:9080/' }, drillApiUrl: '/drills/' },
      '127.0.0.1',
    );

    expect(parsed.config.balancerUrls['round-robin']).toBe('http://127.0.0.2:9080');
    expect(parsed.config.drillApiUrl).toBe('/drills');
    expect(parsed.notices).toEqual([]);
  });

  it('ignores unknown fields, unknown modes and invalid URLs with a notice each', () => {
    const parsed = parseDashboardConfig(
      {
        balancerUrl: 'http://127.0.0.1:8080',
        balancerUrls: { 'round-robin': 'http://127.0.0.1:8080/api', 'no-such-mode': 'http://127.0.0.1:1' },
        drillApiUrl: 42,
      },
      '127.0.0.1',
    );

    expect(parsed.config.balancerUrls['round-robin']).toBe('http://127.0.0.1:8080');
    expect(parsed.config.drillApiUrl).toBeNull();
    expect(parsed.notices).toEqual([
      { field: 'balancerUrl', reason: 'unknown-field' },
      { field: 'balancerUrls.round-robin', reason: 'invalid-url' },
      { field: 'balancerUrls.no-such-mode', reason: 'unknown-mode' },
      { field: 'drillApiUrl', reason: 'invalid-api-url' },
    ]);
  });

  it('rejects a config that is not an object', () => {
    expect(parseDashboardConfig([], '127.0.0.1').notices).toEqual([
      { field: 'config.json', reason: 'not-object' },
    ]);
    expect(parseDashboardConfig({ balancerUrls: ['x'] }, '127.0.0.1').notices).toEqual([
      { field: 'balancerUrls', reason: 'not-map' },
    ]);
  });
});

describe('isSameSite', () => {
  it('ignores ports', () => {
    expect(isSameSite('http://127.0.0.1:8088/', 'http://127.0.0.1:8080')).toBe(true);
  });

  it('tells 127.0.0.1 and localhost apart', () => {
    expect(isSameSite('http://localhost:8088/', 'http://127.0.0.1:8080')).toBe(false);
  });

  it('tells schemes apart', () => {
    expect(isSameSite('https://127.0.0.1:8088/', 'http://127.0.0.1:8080')).toBe(false);
  });
});
