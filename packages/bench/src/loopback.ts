import { isIP } from 'node:net';

/** Error raised for a bench target outside the loopback range, before any connection is opened. */
export class NonLoopbackTargetError extends Error {
  readonly code = 'BENCH_TARGET_NOT_LOOPBACK';

  constructor(readonly target: string) {
    super(
      `the bench only sends load to this machine, but ${target} is not a loopback address: ` +
        'use 127.0.0.0/8, ::1 or localhost',
    );
    this.name = 'NonLoopbackTargetError';
  }
}

/** A checked load target: plain HTTP to a loopback address, with the host the socket connects to. */
export interface LoopbackTarget {
  /** The origin, for example `http://127.0.0.1:8080`. */
  readonly origin: string;
  /** The address the socket connects to: `localhost` is replaced by 127.0.0.1 so no resolver is asked. */
  readonly connectHost: string;
  readonly port: number;
  /** The `Host` header value. */
  readonly hostHeader: string;
}

function isLoopbackAddress(host: string): boolean {
  if (isIP(host) === 4) {
    return host.split('.')[0] === '127';
  }
  return host === '::1';
}

/**
 * Checks that `url` is plain HTTP to a loopback address and returns where to connect. Hostnames other
 * than `localhost` are rejected without a DNS lookup, so a name that resolves elsewhere is never tried.
 */
export function parseLoopbackTarget(url: string): LoopbackTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `bench target ${JSON.stringify(url)} is not a URL: pass one like http://127.0.0.1:8080`,
    );
  }

  if (parsed.protocol !== 'http:') {
    throw new TypeError(`bench target ${url} uses ${parsed.protocol}, but the bench speaks plain http: only`);
  }

  // URL keeps IPv6 hosts in brackets.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const connectHost = host === 'localhost' ? '127.0.0.1' : host;
  if (!isLoopbackAddress(connectHost)) {
    throw new NonLoopbackTargetError(url);
  }

  const port = parsed.port === '' ? 80 : Number(parsed.port);
  return { origin: parsed.origin, connectHost, port, hostHeader: parsed.host };
}
