import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** One response as the CLI needs it, with the time from sending to the last body byte. */
export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly latencyMs: number;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON with `Content-Type: application/json`. */
  readonly json?: unknown;
  readonly timeoutMs: number;
}

/**
 * Builds the keep-alive agent of one simulated client: one connection, reused for all its requests, opened
 * from `localAddress` when given (any 127.0.0.0/8 address on Linux).
 */
export function buildClientAgent(localAddress?: string): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1, ...(localAddress ? { localAddress } : {}) });
}

/** Sends one request through `agent`; rejects on a network error or when `timeoutMs` passes. */
export function sendHttpRequest(agent: Agent, options: HttpRequest): Promise<HttpResult> {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }

  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const outgoing = request(options.url, { method: options.method, agent, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('error', reject);
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: text,
          latencyMs: performance.now() - startedAt,
        }),
      );
    });
    outgoing.setTimeout(options.timeoutMs, () => {
      outgoing.destroy(new Error(`no response within ${options.timeoutMs} ms`));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Reads the one value of a header that may arrive as a list. */
export function readHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
