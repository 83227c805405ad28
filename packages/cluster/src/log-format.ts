/** One line a cluster part printed, raw and rendered for people. */
export interface LogRecord {
  /** The part that printed it: `nginx`, `redis`, `auth`, `api-1` ..., or `cluster` for the cluster's own notes. */
  readonly source: string;
  /** The line as printed, for example one pino JSON object. */
  readonly line: string;
  /** The line with its source prefix, JSON rendered compactly: `api-2 | 12:00:01.234 INFO request completed ...`. */
  readonly text: string;
}

const PINO_LEVELS: Readonly<Record<number, string>> = Object.freeze({
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
});

// Fields already shown elsewhere in the line, or noise for a person reading a terminal.
const HIDDEN_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v', 'reqId', 'req', 'res', 'err']);
const MAX_VALUE_LENGTH = 80;
const MAX_FIELD_COUNT = 8;

/** Renders `line` from `source` for a terminal, with the source name padded to `sourceWidth`. */
export function formatLogLine(source: string, line: string, sourceWidth = source.length): string {
  const prefix = `${source.padEnd(sourceWidth)} | `;
  const record = parseJsonObject(line);
  if (record === undefined) {
    return `${prefix}${line}`;
  }
  if (typeof record.level === 'number') {
    return `${prefix}${formatPinoRecord(record)}`;
  }
  if (typeof record.request_id === 'string' && typeof record.status === 'number') {
    return `${prefix}${formatAccessRecord(record)}`;
  }
  return `${prefix}${line}`;
}

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `12:00:01.234 INFO request completed reqId=… GET /jwt/me status=200 12.3ms sub=alice`. */
function formatPinoRecord(record: Record<string, unknown>): string {
  const level = PINO_LEVELS[record.level as number] ?? `LEVEL${String(record.level)}`;
  const parts = [formatClock(record.time), level.padEnd(5), String(record.msg ?? '')];

  if (record.reqId !== undefined) {
    parts.push(`reqId=${formatValue(record.reqId)}`);
  }
  const request = asObject(record.req);
  if (request) {
    parts.push(`${String(request.method)} ${String(request.url)}`);
    if (request.remoteAddress !== undefined) {
      parts.push(`from=${formatValue(request.remoteAddress)}`);
    }
  }
  const response = asObject(record.res);
  if (response?.statusCode !== undefined) {
    parts.push(`status=${formatValue(response.statusCode)}`);
  }
  if (typeof record.responseTime === 'number') {
    parts.push(`${record.responseTime.toFixed(1)}ms`);
  }

  const fields = Object.entries(record).filter(
    ([key, value]) => !HIDDEN_FIELDS.has(key) && key !== 'responseTime' && isPrimitive(value),
  );
  for (const [key, value] of fields.slice(0, MAX_FIELD_COUNT)) {
    parts.push(`${key}=${formatValue(value)}`);
  }

  const error = asObject(record.err);
  if (error) {
    parts.push(`err=${formatValue(`${String(error.type ?? 'Error')}: ${String(error.message ?? '')}`)}`);
  }
  return parts.join(' ');
}

/** `12:00:01.000 ACCESS GET /jwt/me 200 upstream=127.0.11.2:3000 reqId=… 0.004s` for nginx's JSON access log. */
function formatAccessRecord(record: Record<string, unknown>): string {
  // msec is nginx's $msec: seconds since the epoch with millisecond resolution.
  const time = typeof record.msec === 'number' ? record.msec * 1000 : record.time;
  const parts = [
    formatClock(time),
    'ACCESS',
    `${String(record.method)} ${String(record.path)}`,
    String(record.status),
  ];
  if (typeof record.upstream_addr === 'string' && record.upstream_addr !== '') {
    parts.push(`upstream=${record.upstream_addr}`);
  }
  parts.push(`reqId=${String(record.request_id)}`);
  if (typeof record.request_time === 'number') {
    parts.push(`${record.request_time.toFixed(3)}s`);
  }
  return parts.join(' ');
}

/** Local wall-clock time with milliseconds; pino writes epoch milliseconds and nginx ISO 8601. */
function formatClock(time: unknown): string {
  const date = typeof time === 'number' || typeof time === 'string' ? new Date(time) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    return '--:--:--.---';
  }
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function isPrimitive(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Quotes values with spaces and cuts long ones, so one field never floods the line. */
function formatValue(value: unknown): string {
  const text = String(value);
  const short = text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
  return /\s/.test(short) ? JSON.stringify(short) : short;
}
