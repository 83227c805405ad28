import { buildUserDirectory, hashPassword, type UserDirectory } from '@authlab/users';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export const TEST_PASSWORD = 'alice-password-for-tests';

/** Builds a directory with `alice` hashed at a cheap scrypt cost (N = 2^10), so many logins stay fast. */
export async function buildFastUserDirectory(): Promise<UserDirectory> {
  const passwordHash = await hashPassword(TEST_PASSWORD, { logN: 10, r: 8, p: 1 });
  return buildUserDirectory([{ username: 'alice', passwordHash }]);
}

export function postJson(
  app: FastifyInstance,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
}

export function logIn(app: FastifyInstance, query = '', password = TEST_PASSWORD) {
  return postJson(app, `/auth/login${query}`, { username: 'alice', password });
}

/** Returns every Set-Cookie header of a response as a list. */
export function setCookieHeaders(response: LightMyRequestResponse): string[] {
  const header = response.headers['set-cookie'];
  if (header === undefined) {
    return [];
  }
  return Array.isArray(header) ? header : [header];
}

/** Returns the Set-Cookie line a response sends for `name`, or undefined. */
export function findSetCookie(response: LightMyRequestResponse, name: string): string | undefined {
  return setCookieHeaders(response).find((line) => line.startsWith(`${name}=`));
}

/** Returns the value a response sets for cookie `name`. */
export function cookieValue(response: LightMyRequestResponse, name: string): string {
  const line = findSetCookie(response, name);
  if (line === undefined) {
    throw new Error(`response sets no ${name} cookie`);
  }
  return line.slice(name.length + 1, line.indexOf(';'));
}

/** Decodes the claims of a compact JWT without checking it. */
export function decodeClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}
