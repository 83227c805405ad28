import { type ClusterHandle, startLocalCluster } from '@authlab/cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeyRotationDrill } from '../../packages/cli/src/key-rotation-drill.js';
import { sendRequest } from '../support/http.js';

const JWKS_MAX_AGE_SECONDS = 2;

describe('EdDSA key rotation on the local cluster', () => {
  let cluster: ClusterHandle;

  beforeAll(async () => {
    // The compose cluster has no key rotation driver, so this file always runs the local cluster.
    cluster = await startLocalCluster({
      replicaCount: 3,
      freePorts: true,
      stopGraceMs: 3_000,
      readyTimeoutMs: 20_000,
      dashboard: false,
      jwtAlgorithm: 'EdDSA',
      jwks: { maxAgeSeconds: JWKS_MAX_AGE_SECONDS, cooldownSeconds: 1 },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('publishes public keys only', async () => {
    const response = await sendRequest(`${cluster.urls.balancer}/auth/.well-known/jwks.json`);
    const { keys } = response.json<{ keys: Record<string, unknown>[] }>();

    expect(response.status).toBe(200);
    expect(keys.map((key) => key.kid)).toEqual(['key-1']);
    expect(Object.keys(keys[0]!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
  });

  it('rotates without a failed request', async () => {
    const report = await runKeyRotationDrill({
      balancer: cluster.urls.balancer,
      replicas: cluster.urls.replicas,
      driver: cluster.driver,
      jwksMaxAgeSeconds: JWKS_MAX_AGE_SECONDS,
    });

    const [publish, activate, withdraw] = report.steps;
    expect(publish?.keys).toEqual({ activeKid: 'key-1', publishedKids: ['key-1', 'key-2'] });
    expect(publish?.requests).toBeGreaterThan(0);
    expect(publish?.failures).toBe(0);
    expect(activate?.keys).toEqual({ activeKid: 'key-2', publishedKids: ['key-1', 'key-2'] });
    expect(activate?.failures).toBe(0);
    expect(report.newKid).toBe('key-2');
    expect(report.newTokenAcceptedEverywhere).toBe(true);
    expect(withdraw?.keys).toEqual({ activeKid: 'key-2', publishedKids: ['key-2'] });
    expect(report.replicasStillAcceptingOldToken).toEqual([]);
    expect(report.oldTokenRejectedAfterMs).toBeLessThanOrEqual((JWKS_MAX_AGE_SECONDS + 5) * 1000);
  });
});
