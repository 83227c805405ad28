import type { KeyRotationReport } from './key-rotation-drill.js';

/** Whether a rotation went as the lab expects, and why, in plain words. */
export interface KeyRotationVerdict {
  readonly asExpected: boolean;
  readonly reasons: readonly string[];
}

/**
 * Judges a key rotation: no request with the old token fails while the next key is published and
 * activated, a token with the new `kid` verifies on every replica, and every replica rejects the old
 * token after the withdrawal.
 */
export function judgeKeyRotation(report: KeyRotationReport): KeyRotationVerdict {
  const reasons: string[] = [];
  const overlapFailures = report.steps
    .filter((step) => step.step !== 'withdraw-previous')
    .reduce((sum, step) => sum + step.failures, 0);
  if (overlapFailures > 0) {
    reasons.push(`${overlapFailures} requests with the old token failed before the withdrawal`);
  }
  if (!report.newTokenAcceptedEverywhere) {
    reasons.push(`a token with the new kid ${report.newKid ?? '(none)'} was rejected by some replica`);
  }
  if (report.replicasStillAcceptingOldToken.length > 0) {
    reasons.push(
      `${report.replicasStillAcceptingOldToken.join(', ')} still accepted the old token after the withdrawal`,
    );
  }
  return { asExpected: reasons.length === 0, reasons };
}

/** Renders the steps, the counts and the verdict of a key rotation drill as plain text lines. */
export function renderKeyRotationReport(report: KeyRotationReport, jwksMaxAgeSeconds: number): string {
  const lines = ['Key rotation drill (EdDSA), requests with the pre-rotation token through the balancer:'];
  for (const step of report.steps) {
    const traffic =
      step.step === 'withdraw-previous'
        ? 'no traffic during this step, each replica is polled after it'
        : `${step.failures} of ${step.requests} requests failed`;
    lines.push(
      `  ${step.step.padEnd(18)} active ${step.keys.activeKid}, published ${step.keys.publishedKids.join(', ')}: ${traffic}`,
    );
  }

  const beforeWithdrawal = report.steps.filter((step) => step.step !== 'withdraw-previous');
  const requests = beforeWithdrawal.reduce((sum, step) => sum + step.requests, 0);
  const failures = beforeWithdrawal.reduce((sum, step) => sum + step.failures, 0);
  lines.push(
    `Old-kid token until the withdrawal: ${requests - failures} of ${requests} requests accepted`,
    `New-kid token (${report.newKid ?? 'no kid'}): ${report.newTokenAcceptedEverywhere ? 'accepted by every replica' : 'rejected by some replica'}`,
  );
  if (report.oldTokenRejectedAfterMs === undefined) {
    lines.push(
      `Old-kid token after the withdrawal: still accepted by ${report.replicasStillAcceptingOldToken.join(', ')} after ${jwksMaxAgeSeconds + 5} s`,
    );
  } else {
    lines.push(
      `Old-kid token after the withdrawal: rejected by every replica after ${report.oldTokenRejectedAfterMs} ms (JWKS max age ${jwksMaxAgeSeconds} s)`,
    );
  }

  const verdict = judgeKeyRotation(report);
  lines.push(
    verdict.asExpected
      ? 'Verdict: as expected: no request lost while the keys overlapped, and the withdrawn key stopped verifying'
      : `Verdict: NOT as expected: ${verdict.reasons.join('; ')}`,
  );
  return `${lines.join('\n')}\n`;
}
