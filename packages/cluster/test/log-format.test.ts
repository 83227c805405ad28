import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../src/index.js';

const CLOCK = /^\d{2}:\d{2}:\d{2}\.\d{3}$/;

describe('formatLogLine', () => {
  it('prefixes a plain line with its padded source', () => {
    expect(formatLogLine('redis', 'Ready to accept connections', 7)).toBe(
      'redis   | Ready to accept connections',
    );
  });

  it('renders a pino request line compactly', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 0, 1, 12, 0, 1, 234),
      pid: 4242,
      hostname: 'box',
      reqId: 'abc123',
      req: { method: 'GET', url: '/jwt/me', remoteAddress: '127.0.0.42' },
      msg: 'incoming request',
    });

    const text = formatLogLine('api-2', line);
    const [prefix, rest] = text.split(' | ');

    expect(prefix).toBe('api-2');
    expect(rest?.slice(0, 12)).toMatch(CLOCK);
    expect(rest?.slice(13)).toBe('INFO  incoming request reqId=abc123 GET /jwt/me from=127.0.0.42');
    expect(text).not.toContain('4242');
    expect(text).not.toContain('box');
  });

  it('shows status, response time, extra fields and the error', () => {
    const line = JSON.stringify({
      level: 50,
      time: 0,
      reqId: 'r1',
      res: { statusCode: 500 },
      responseTime: 12.345,
      sub: 'alice',
      err: { type: 'Error', message: 'boom happened', stack: 'Error: boom\n    at x' },
      msg: 'request errored',
    });

    const rest = formatLogLine('auth', line).split(' | ')[1]!.slice(13);

    expect(rest).toBe(
      'ERROR request errored reqId=r1 status=500 12.3ms sub=alice err="Error: boom happened"',
    );
  });

  it('renders an nginx access line', () => {
    const line = JSON.stringify({
      time: '2026-01-01T12:00:01+00:00',
      msec: 1767268801.5,
      request_id: 'f00d',
      method: 'POST',
      path: '/auth/login',
      status: 200,
      request_time: 0.3,
      upstream_addr: '127.0.10.1:4000',
    });

    const rest = formatLogLine('nginx', line).split(' | ')[1]!;

    expect(rest.slice(0, 12)).toMatch(CLOCK);
    expect(rest.slice(9, 12)).toBe('500');
    expect(rest.slice(13)).toBe('ACCESS POST /auth/login 200 upstream=127.0.10.1:4000 reqId=f00d 0.300s');
  });

  it('cuts long values', () => {
    const line = JSON.stringify({ level: 30, time: 0, msg: 'note', detail: 'x'.repeat(200) });

    const text = formatLogLine('cluster', line);

    expect(text).toContain(`detail=${'x'.repeat(79)}…`);
    expect(text).not.toContain('x'.repeat(80));
  });

  it('leaves JSON that is not a log record as it is', () => {
    expect(formatLogLine('auth', '{"hello":1}')).toBe('auth | {"hello":1}');
    expect(formatLogLine('auth', '{not json')).toBe('auth | {not json');
  });
});
