import { ConfigError, formatConfigError } from '@authlab/config';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { type ApiConfig, loadConfig } from './config.js';

/** Time a graceful close may take before the process exits with 1, so a stuck connection cannot hang it. */
const CLOSE_TIMEOUT_MS = 10_000;

function readConfigOrExit(): ApiConfig | undefined {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw error;
    }
    process.stderr.write(`${formatConfigError('api', error)}\n`);
    process.exitCode = 1;
    return undefined;
  }
}

/** Closes the app on SIGTERM or SIGINT: in-flight requests finish, then the Redis client closes. */
function closeOnSignals(app: FastifyInstance, replicaId: string) {
  let closing = false;

  async function closeGracefully(signal: NodeJS.Signals) {
    if (closing) {
      return;
    }
    closing = true;
    app.log.info({ signal, replica: replicaId }, 'replica stopping');

    const timer = setTimeout(function exitAfterTimeout() {
      app.log.error({ signal, timeoutMs: CLOSE_TIMEOUT_MS }, 'close timed out');
      process.exit(1);
    }, CLOSE_TIMEOUT_MS);
    timer.unref();

    try {
      await app.close();
      app.log.info({ signal, replica: replicaId }, 'replica stopped');
    } catch (error) {
      app.log.error({ err: error, signal }, 'close failed');
      process.exitCode = 1;
    }
  }

  process.once('SIGTERM', closeGracefully);
  process.once('SIGINT', closeGracefully);
}

async function main() {
  const config = readConfigOrExit();
  if (!config) {
    return;
  }

  const app = buildApp(config);
  closeOnSignals(app, config.replicaId);

  try {
    const address = await app.listen({
      host: config.host,
      port: config.port,
      listenTextResolver: () => 'server listening',
    });
    app.log.info({ replica: config.replicaId, address }, 'replica listening');
  } catch (error) {
    app.log.error({ err: error, host: config.host, port: config.port }, 'listen failed');
    await app.close();
    process.exitCode = 1;
  }
}

await main();
