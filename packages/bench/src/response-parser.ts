/**
 * A minimal HTTP/1.1 response reader for the load generator. It reads the status, the framing headers
 * (`Content-Length`, `Transfer-Encoding: chunked`, `Connection: close`) and skips the body without
 * copying it, which is all the bench needs and costs far less than node:http's full parser.
 */

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/** Maximum size of a response head in bytes. A longer head means the target is not speaking HTTP/1.1. */
export const MAX_HEAD_BYTES = 64 * 1024;

export class ResponseParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseParseError';
  }
}

/** A complete response: its status, whether the server closes the connection, and its length in bytes. */
export interface ParsedResponse {
  readonly status: number;
  readonly closesConnection: boolean;
  readonly totalBytes: number;
}

interface Head {
  readonly status: number;
  readonly closesConnection: boolean;
  readonly bodyStart: number;
  readonly contentLength: number | undefined;
  readonly chunked: boolean;
}

function parseHead(buffer: Buffer, headEnd: number): Head {
  const text = buffer.toString('latin1', 0, headEnd);
  if (!text.startsWith('HTTP/1.')) {
    throw new ResponseParseError(
      `response does not start with an HTTP/1.x status line: ${text.slice(0, 40)}`,
    );
  }

  const status = Number(text.slice(9, 12));
  if (!Number.isInteger(status) || status < 100) {
    throw new ResponseParseError(`response status line has no valid status: ${text.slice(0, 40)}`);
  }

  let contentLength: number | undefined;
  let chunked = false;
  let closesConnection = text.startsWith('HTTP/1.0');
  let lineStart = text.indexOf('\r\n') + 2;
  while (lineStart > 1 && lineStart < text.length) {
    const lineEnd = text.indexOf('\r\n', lineStart);
    const line = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === 'content-length') {
        contentLength = Number(value);
      } else if (name === 'transfer-encoding') {
        chunked = value.split(',').some((coding) => coding.trim() === 'chunked');
      } else if (name === 'connection') {
        closesConnection = value.split(',').some((option) => option.trim() === 'close');
      }
    }
    lineStart = lineEnd === -1 ? text.length : lineEnd + 2;
  }

  if (contentLength !== undefined && !(Number.isInteger(contentLength) && contentLength >= 0)) {
    throw new ResponseParseError('response has an invalid Content-Length');
  }
  return { status, closesConnection, bodyStart: headEnd + 4, contentLength, chunked };
}

/** Returns the end offset of a complete chunked body starting at `start`, or -1 when more bytes are needed. */
function findChunkedBodyEnd(buffer: Buffer, start: number): number {
  let position = start;
  for (;;) {
    const lineEnd = buffer.indexOf(CRLF, position);
    if (lineEnd === -1) {
      return -1;
    }

    // The size may carry extensions after a semicolon (RFC 9112, section 7.1.1).
    const sizeText = buffer.toString('latin1', position, lineEnd).split(';')[0]!.trim();
    const size = Number.parseInt(sizeText, 16);
    if (!Number.isInteger(size) || size < 0 || !/^[0-9a-fA-F]+$/.test(sizeText)) {
      throw new ResponseParseError(`response has an invalid chunk size: ${sizeText.slice(0, 16)}`);
    }

    if (size === 0) {
      // The last chunk is followed by optional trailer fields and an empty line.
      const trailerEnd = buffer.indexOf(CRLF, lineEnd + 2);
      if (trailerEnd === -1) {
        return -1;
      }
      if (trailerEnd === lineEnd + 2) {
        return trailerEnd + 2;
      }
      const fieldsEnd = buffer.indexOf(HEADER_END, lineEnd);
      return fieldsEnd === -1 ? -1 : fieldsEnd + 4;
    }

    position = lineEnd + 2 + size + 2;
    if (position > buffer.length) {
      return -1;
    }
  }
}

function hasNoBody(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * Reads one response from the start of `buffer`. Returns undefined while bytes are missing, and throws a
 * `ResponseParseError` for bytes that are not an HTTP/1.x response. A response without any framing header
 * ends when the server closes the connection; the caller handles that case.
 */
export function readResponse(buffer: Buffer): ParsedResponse | undefined {
  const headEnd = buffer.indexOf(HEADER_END);
  if (headEnd === -1) {
    if (buffer.length > MAX_HEAD_BYTES) {
      throw new ResponseParseError(`response head is longer than ${MAX_HEAD_BYTES} bytes`);
    }
    return undefined;
  }

  const head = parseHead(buffer, headEnd);
  if (hasNoBody(head.status)) {
    return { status: head.status, closesConnection: head.closesConnection, totalBytes: head.bodyStart };
  }

  if (head.chunked) {
    const end = findChunkedBodyEnd(buffer, head.bodyStart);
    return end === -1
      ? undefined
      : { status: head.status, closesConnection: head.closesConnection, totalBytes: end };
  }

  if (head.contentLength !== undefined) {
    const end = head.bodyStart + head.contentLength;
    return end > buffer.length
      ? undefined
      : { status: head.status, closesConnection: head.closesConnection, totalBytes: end };
  }

  return undefined;
}

/** Reads a response that the server framed by closing the connection, once the socket has ended. */
export function readResponseAtClose(buffer: Buffer): ParsedResponse | undefined {
  const headEnd = buffer.indexOf(HEADER_END);
  if (headEnd === -1) {
    return undefined;
  }
  const head = parseHead(buffer, headEnd);
  return { status: head.status, closesConnection: true, totalBytes: buffer.length };
}
