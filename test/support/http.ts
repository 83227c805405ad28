import { type IncomingHttpHeaders, request } from 'node:http';
import { performance } from 'node:perf_hooks';
// The root package does not depend on @authlab/users, so the published demo credentials come from its source.
import { DEMO_CREDENTIALS } from '../../packages/users/src/demo-passwords.js';

/** A response as the cross-service tests read it. */
export interface TestResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly elapsedMs: number;
  /** The body parsed as JSON; throws when it is not JSON. */
  json<T = Record<string, unknown>>(): T;
}

export interface TestRequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT';
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON with `Content-Type: application/json`. */
  readonly json?: unknown;
  /** Sent as is; set the content type in `headers`. */
  readonly body?: Buffer;
  /** Source address of the connection, any 127.0.0.0/8 address. */
  readonly localAddress?: string;
  readonly timeoutMs?: number;
}

/** Sends one request on a new connection and reads the whole response. */
export function sendRequest(url: string, options: TestRequestOptions = {}): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = Buffer.from(JSON.stringify(options.json));
    headers['content-type'] = 'application/json';
  }

  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const outgoing = request(
      url,
      {
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        agent: false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            elapsedMs: performance.now() - startedAt,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    outgoing.setTimeout(options.timeoutMs ?? 10_000, () =>
      outgoing.destroy(new Error(`no response from ${url}`)),
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The first demo user, the one the cross-service tests sign in as. */
export const TEST_USER = DEMO_CREDENTIALS[0]!;

/** Signs in through the balancer's /auth/login and returns the access token. */
export async function signInWithJwt(balancer: string): Promise<string> {
  const response = await sendRequest(`${balancer}/auth/login`, { json: TEST_USER });
  if (response.status !== 200) {
    throw new Error(`POST /auth/login returned ${response.status}: ${response.text}`);
  }
  return response.json<{ access_token: string }>().access_token;
}

/**
 * Signs in with a session strategy at `baseUrl` (the balancer or a replica) and returns the session
 * cookie as `name=value`, with the replica that created the session.
 */
export async function signInWithSession(
  baseUrl: string,
  strategy: 'session-memory' | 'session-redis',
): Promise<{ cookie: string; createdBy: string }> {
  const response = await sendRequest(`${baseUrl}/${strategy}/login`, { json: TEST_USER });
  if (response.status !== 200) {
    throw new Error(`POST /${strategy}/login returned ${response.status}: ${response.text}`);
  }
  const setCookie = response.headers['set-cookie']?.[0];
  if (setCookie === undefined) {
    throw new Error(`POST /${strategy}/login returned 200 without Set-Cookie`);
  }
  return { cookie: setCookie.split(';')[0]!, createdBy: String(response.headers['x-served-by']) };
}
