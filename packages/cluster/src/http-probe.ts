import { request } from 'node:http';

/**
 * Sends `GET url` on a fresh connection and resolves with the response status, or undefined when the
 * server cannot be reached or does not answer within `timeoutMs`.
 */
export function probeHttpStatus(url: string, timeoutMs = 1_000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const outgoing = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode));
      response.once('error', () => resolve(undefined));
    });
    outgoing.once('timeout', () => outgoing.destroy());
    outgoing.once('error', () => resolve(undefined));
    outgoing.end();
  });
}
