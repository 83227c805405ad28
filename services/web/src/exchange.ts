import type { PlannedRequest } from './lab-requests.js';
import { buildFailedOutcome, classifyResponse, type RequestOutcome } from './tally.js';

/** Record of one request and the parts of its response the page could read. */
export interface Exchange {
  readonly request: PlannedRequest;
  readonly durationMs: number;
  /** Null when the browser exposed no response, and `failure` then gives the reason. */
  readonly response: ExchangeResponse | null;
  /** `timeout`: no response in time. `blocked`: a network error, which is also how a CORS refusal looks to a script. */
  readonly failure: 'timeout' | 'blocked' | null;
}

export interface ExchangeResponse {
  readonly status: number;
  /** Every header the script may read: the CORS-safelisted ones plus those in `Access-Control-Expose-Headers`. */
  readonly headers: readonly (readonly [string, string])[];
  /** The parsed JSON body, or null for an empty or non-JSON body. */
  readonly body: unknown;
}

/** Upper bound for one request, so a burst against a stopped balancer ends on its own. */
export const REQUEST_TIMEOUT_MS = 8000;

/** Sends a planned request with `fetch` and records the parts of the response the script can read. */
export async function sendPlanned(
  request: PlannedRequest,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<Exchange> {
  const startedAt = performance.now();
  const init: RequestInit = {
    method: request.method,
    mode: 'cors',
    credentials: request.credentials,
    headers: request.headers,
    cache: 'no-store',
    signal: AbortSignal.timeout(timeoutMs),
  };
  if (request.body !== null) {
    init.body = request.body;
  }

  let response: Response;
  try {
    response = await fetch(request.url, init);
  } catch (error) {
    const failure = error instanceof DOMException && error.name === 'TimeoutError' ? 'timeout' : 'blocked';
    return { request, durationMs: performance.now() - startedAt, response: null, failure };
  }

  const headers = [...response.headers.entries()];
  const body = await readJsonBody(response);
  return {
    request,
    durationMs: performance.now() - startedAt,
    response: { status: response.status, headers, body },
    failure: null,
  };
}

async function readJsonBody(response: Response): Promise<unknown> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) {
    await response.body?.cancel();
    return null;
  }
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** Reads one header of a recorded response, by lowercase name. */
export function readHeader(response: ExchangeResponse, name: string): string | null {
  const entry = response.headers.find(([headerName]) => headerName === name);
  return entry ? entry[1] : null;
}

/** Turns a recorded exchange into the outcome that the grid and the counts show. */
export function summarizeExchange(exchange: Exchange): RequestOutcome {
  if (exchange.response === null) {
    return buildFailedOutcome();
  }

  const { status, body } = exchange.response;
  const replica = readHeader(exchange.response, 'x-served-by');
  const code =
    typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string'
      ? (body as { code: string }).code
      : null;
  return classifyResponse(status, replica, code);
}
