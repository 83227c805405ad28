import { ConfigError, formatConfigError } from '@authlab/config';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { type AuthConfig, loadConfig } from './config.js';

/** Time a graceful close may take before the process exits anyway, so a stuck connection cannot block a stop. */
const CLOSE_TIMEOUT_MS = 10_000;

function readConfigOrExit(): AuthConfig | undefined {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw error;
    }
    process.stderr.write(`${formatConfigError('auth', error)}\n`);
    process.exitCode = 1;
    return undefined;
  }
}

function closeOnSignals(app: FastifyInstance) {
  let closing = false;

  async function closeGracefully(signal: NodeJS.Signals) {
    if (closing) {
      return;
    }
    closing = true;
    app.log.info({ signal }, 'auth service stopping');

    const timer = setTimeout(function exitAfterTimeout() {
      app.log.error({ signal, timeoutMs: CLOSE_TIMEOUT_MS }, 'close timed out');
      process.exit(1);
    }, CLOSE_TIMEOUT_MS);
    timer.unref();

    try {
      await app.close();
      app.log.info({ signal }, 'auth service stopped');
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
  closeOnSignals(app);

  try {
    const address = await app.listen({
      host: config.host,
      port: config.port,
      listenTextResolver: () => 'server listening',
    });
    app.log.info({ address }, 'auth service listening');
  } catch (error) {
    app.log.error({ err: error, host: config.host, port: config.port }, 'listen failed');
    await app.close();
    process.exitCode = 1;
  }
}

await main();
