import { describe, expect, it } from 'vitest';
import { ResponseParseError, readResponse, readResponseAtClose } from '../src/response-parser.js';

function bytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

describe('readResponse', () => {
  it('reads a response framed by Content-Length', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';

    expect(readResponse(bytes(text))).toEqual({
      status: 200,
      closesConnection: false,
      totalBytes: text.length,
    });
  });

  it('waits for the rest of a body', () => {
    expect(readResponse(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel'))).toBeUndefined();
    expect(readResponse(bytes('HTTP/1.1 200 OK\r\nContent-Len'))).toBeUndefined();
  });

  it('reads a chunked body with extensions and trailers', () => {
    const plain =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=1\r\n world\r\n0\r\n\r\n';
    const withTrailer =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-Done: yes\r\n\r\n';

    expect(readResponse(bytes(plain))?.totalBytes).toBe(plain.length);
    expect(readResponse(bytes(withTrailer))?.totalBytes).toBe(withTrailer.length);
    expect(readResponse(bytes(plain.slice(0, -2)))).toBeUndefined();
  });

  it('reads a bodiless 204 and notes Connection: close', () => {
    const text = 'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n';

    expect(readResponse(bytes(text))).toEqual({
      status: 204,
      closesConnection: true,
      totalBytes: text.length,
    });
  });

  it('rejects bytes that are not an HTTP/1.x response', () => {
    expect(() => readResponse(bytes('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(ResponseParseError);
    expect(() => readResponse(bytes('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'))).toThrow(
      'response has an invalid Content-Length',
    );
  });

  it('leaves a response without framing to the connection close', () => {
    const text = 'HTTP/1.0 200 OK\r\n\r\nuntil close';

    expect(readResponse(bytes(text))).toBeUndefined();
    expect(readResponseAtClose(bytes(text))).toEqual({
      status: 200,
      closesConnection: true,
      totalBytes: text.length,
    });
  });
});
