import { describe, expect, it } from 'vitest';
import type { KeyRotationReport } from '../src/key-rotation-drill.js';
import { judgeKeyRotation, renderKeyRotationReport } from '../src/key-rotation-report.js';

const CLEAN_ROTATION: KeyRotationReport = {
  steps: [
    {
      step: 'publish-next',
      keys: { activeKid: 'key-1', publishedKids: ['key-1', 'key-2'] },
      requests: 40,
      failures: 0,
    },
    {
      step: 'activate-next',
      keys: { activeKid: 'key-2', publishedKids: ['key-1', 'key-2'] },
      requests: 35,
      failures: 0,
    },
    {
      step: 'withdraw-previous',
      keys: { activeKid: 'key-2', publishedKids: ['key-2'] },
      requests: 0,
      failures: 0,
    },
  ],
  newKid: 'key-2',
  newTokenAcceptedEverywhere: true,
  oldTokenRejectedAfterMs: 2_150,
  replicasStillAcceptingOldToken: [],
};

describe('key rotation report', () => {
  it('judges a clean rotation as expected', () => {
    expect(judgeKeyRotation(CLEAN_ROTATION)).toEqual({ asExpected: true, reasons: [] });
  });

  it('prints the steps and counts', () => {
    const text = renderKeyRotationReport(CLEAN_ROTATION, 2);

    expect(text).toContain(
      'publish-next       active key-1, published key-1, key-2: 0 of 40 requests failed',
    );
    expect(text).toContain(
      'activate-next      active key-2, published key-1, key-2: 0 of 35 requests failed',
    );
    expect(text).toContain('Old-kid token until the withdrawal: 75 of 75 requests accepted');
    expect(text).toContain('New-kid token (key-2): accepted by every replica');
    expect(text).toContain('rejected by every replica after 2150 ms (JWKS max age 2 s)');
    expect(text).toContain('Verdict: as expected');
  });

  it('names every failure in the verdict', () => {
    const report: KeyRotationReport = {
      ...CLEAN_ROTATION,
      steps: [{ ...CLEAN_ROTATION.steps[0]!, failures: 3 }, ...CLEAN_ROTATION.steps.slice(1)],
      newTokenAcceptedEverywhere: false,
      oldTokenRejectedAfterMs: undefined,
      replicasStillAcceptingOldToken: ['api-2'],
    };

    const text = renderKeyRotationReport(report, 2);

    expect(judgeKeyRotation(report).asExpected).toBe(false);
    expect(text).toContain('Old-kid token until the withdrawal: 72 of 75 requests accepted');
    expect(text).toContain('Old-kid token after the withdrawal: still accepted by api-2 after 7 s');
    expect(text).toContain(
      'Verdict: NOT as expected: 3 requests with the old token failed before the withdrawal; a token with the new kid key-2 was rejected by some replica; api-2 still accepted the old token after the withdrawal',
    );
  });
});
