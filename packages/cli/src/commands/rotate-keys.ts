import { connectToCluster, defaultStateFilePath } from '@authlab/cluster';
import { runKeyRotationDrill } from '../key-rotation-drill.js';
import { renderKeyRotationReport } from '../key-rotation-report.js';
import type { CliIo } from '../terminal.js';

/**
 * Runs `authlab drill rotate-keys` against the cluster of `authlab up`, over its control channel. Returns
 * 2 when that cluster signs with HS256, because it has no signing keys to rotate.
 */
export async function runRotateKeysCommand(io: CliIo): Promise<number> {
  try {
    const cluster = connectToCluster({ stateFile: defaultStateFilePath(io.env) });
    if (cluster.jwtAlgorithm !== 'EdDSA' || cluster.jwksMaxAgeSeconds === undefined) {
      io.stderr.write(
        'authlab drill rotate-keys: the running cluster signs tokens with HS256, so it has no signing keys to rotate. ' +
          'Stop it and start authlab up --jwt-algorithm EdDSA. ' +
          'The HS256 counterpart of this drill is authlab drill secret-mismatch.\n',
      );
      return 2;
    }

    const maxAgeSeconds = cluster.jwksMaxAgeSeconds;
    io.stderr.write(
      `authlab drill rotate-keys: publishing, activating and withdrawing a signing key; this waits about ${2 * maxAgeSeconds} s (twice the JWKS max age)\n`,
    );
    const report = await runKeyRotationDrill({
      balancer: cluster.urls.balancer,
      replicas: cluster.urls.replicas,
      driver: cluster.driver,
      jwksMaxAgeSeconds: maxAgeSeconds,
    });
    io.stdout.write(renderKeyRotationReport(report, maxAgeSeconds));
    return 0;
  } catch (error) {
    // A missing cluster, a failed control call, a failed sign-in or a replica that never accepted a fresh
    // token: each message names the part and the fix.
    io.stderr.write(`authlab drill rotate-keys: ${(error as Error).message}\n`);
    return 1;
  }
}
