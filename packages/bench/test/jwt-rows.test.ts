import { describe, expect, it } from 'vitest';
import type { RowSummary } from '../src/bench-runner.js';
import type { BenchReport } from '../src/lab-bench.js';
import { buildEndpointRows, type LabEndpoint, readJwtAlgorithm } from '../src/lab-rows.js';
import { evaluateTargets } from '../src/targets.js';

const CREDENTIALS = { username: 'alice', password: 'alice-in-the-lab' };

function encodeToken(header: unknown): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode(header)}.${encode({ sub: 'alice' })}.signature`;
}

function endpoint(path: LabEndpoint['path'], jwtAlgorithm?: string): LabEndpoint {
  return {
    path,
    url: 'http://127.0.0.1:8080',
    strategies: ['jwt'],
    cpuGroups: () => ({}),
    ...(jwtAlgorithm === undefined ? {} : { jwtAlgorithm }),
  };
}

function summary(id: string, strategy: string, requestsPerSecond: number, ratio?: number): RowSummary {
  const spread = (value: number) => ({
    median: value,
    min: value,
    max: value,
    q1: value,
    q3: value,
    samples: 1,
  });
  const [path] = id.split('/') as [RowSummary['path']];
  return {
    id,
    strategy,
    path,
    baselineId: `${path}/baseline`,
    url: 'http://127.0.0.1:8080',
    description: id,
    rounds: [],
    requestsPerSecond: spread(requestsPerSecond),
    ...(ratio === undefined ? {} : { ratioToBaseline: spread(ratio) }),
    cpuMicrosPerRequest: {},
    countersPerRequest: {},
    errors: 0,
    errorsByKind: {},
  };
}

function report(rows: readonly RowSummary[]): BenchReport {
  return {
    version: 1,
    startedAt: '2026-12-04T00:00:00.000Z',
    finishedAt: '2026-12-04T00:01:00.000Z',
    machine: {} as BenchReport['machine'],
    loadAverage: { before: 0, after: 0 },
    main: { connections: 50, durationMs: 3_000, warmupMs: 1_000, rounds: 1, sessionBytes: 0, rows },
  };
}

describe('readJwtAlgorithm', () => {
  it('reads alg from the token header', () => {
    expect(readJwtAlgorithm(encodeToken({ alg: 'EdDSA', typ: 'JWT', kid: 'k1' }))).toBe('EdDSA');
    expect(readJwtAlgorithm(encodeToken({ alg: 'HS256', typ: 'JWT' }))).toBe('HS256');
  });

  it('rejects a token without a JSON header', () => {
    expect(() => readJwtAlgorithm('not-a-token')).toThrow('the access token has no JSON header');
  });

  it('rejects a header without alg', () => {
    expect(() => readJwtAlgorithm(encodeToken({ typ: 'JWT' }))).toThrow('the access token header has no alg');
  });
});

describe('JWT rows by algorithm', () => {
  it('labels an HS256 row jwt', () => {
    const [, row] = buildEndpointRows(endpoint('balancer', 'HS256'), CREDENTIALS);

    expect(row?.id).toBe('balancer/jwt');
    expect(row?.strategy).toBe('jwt');
    expect(row?.description).toContain('HS256');
  });

  it('labels a row without a detected algorithm jwt', () => {
    const [, row] = buildEndpointRows(endpoint('replica'), CREDENTIALS);

    expect(row?.id).toBe('replica/jwt');
    expect(row?.strategy).toBe('jwt');
  });

  it('labels an EdDSA row jwt-eddsa', () => {
    const [baseline, row] = buildEndpointRows(endpoint('balancer', 'EdDSA'), CREDENTIALS);

    expect(row?.id).toBe('balancer/jwt-eddsa');
    expect(row?.strategy).toBe('jwt-asymmetric');
    expect(row?.baselineId).toBe(baseline?.id);
    expect(row?.description).toContain('EdDSA');
  });
});

describe('evaluateTargets for an EdDSA run', () => {
  const verdicts = evaluateTargets(
    report([
      summary('balancer/baseline', 'none', 10_000, 1),
      summary('balancer/jwt-eddsa', 'jwt-asymmetric', 8_500, 0.85),
      summary('replica/baseline', 'none', 20_000, 1),
      summary('replica/jwt-eddsa', 'jwt-asymmetric', 12_000, 0.6),
      summary('peer/baseline', 'none', 5_000, 1),
      summary('peer/jwt', 'jwt', 1_000, 0.2),
      summary('peer/session-redis', 'session-redis', 4_000, 0.8),
    ]),
  );

  it('holds the row to the asymmetric target', () => {
    const verdict = verdicts.find((entry) => entry.target.startsWith('jwt-asymmetric through'));

    expect(verdict?.required).toBe(0.8);
    expect(verdict?.measured).toBe(0.85);
    expect(verdict?.met).toBe(true);
  });

  it('compares the replica row with the peer jwt', () => {
    const verdict = verdicts.find((entry) => entry.target.startsWith('jwt-asymmetric on one replica'));

    expect(verdict?.target).toContain("the peer's jwt");
    expect(verdict?.measured).toBe(12);
  });

  it('applies no HS256 target', () => {
    expect(verdicts.some((entry) => entry.target.startsWith('jwt through'))).toBe(false);
  });
});
