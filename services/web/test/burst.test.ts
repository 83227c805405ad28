import { describe, expect, it } from 'vitest';
import { BURST_LIMITS, readBurstSize, runBurst } from '../src/burst.js';

describe('readBurstSize', () => {
  it('clamps to 1..200', () => {
    expect(readBurstSize('0')).toBe(1);
    expect(readBurstSize('25')).toBe(25);
    expect(readBurstSize('200')).toBe(200);
    expect(readBurstSize('201')).toBe(BURST_LIMITS.maxRequests);
    expect(readBurstSize('999999')).toBe(BURST_LIMITS.maxRequests);
  });

  it('uses the default for text that is not a whole number', () => {
    expect(readBurstSize('')).toBe(BURST_LIMITS.defaultRequests);
    expect(readBurstSize('-5')).toBe(BURST_LIMITS.defaultRequests);
    expect(readBurstSize('2.5')).toBe(BURST_LIMITS.defaultRequests);
    expect(readBurstSize('1e3')).toBe(BURST_LIMITS.defaultRequests);
  });
});

describe('runBurst', () => {
  it('keeps at most the given number of requests in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const reported: number[] = [];

    const results = await runBurst({
      count: 20,
      concurrency: 4,
      async send(index) {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, (index % 3) * 2));
        inFlight -= 1;
        return index * 10;
      },
      onResult(index) {
        reported.push(index);
      },
    });

    expect(maxInFlight).toBe(4);
    expect(results).toEqual(Array.from({ length: 20 }, (_, index) => index * 10));
    expect(reported.sort((left, right) => left - right)).toEqual(
      Array.from({ length: 20 }, (_, index) => index),
    );
  });

  it('starts no request after an abort', async () => {
    const controller = new AbortController();
    const sent: number[] = [];

    const results = await runBurst({
      count: 50,
      concurrency: 2,
      signal: controller.signal,
      async send(index) {
        sent.push(index);
        if (index === 5) {
          controller.abort();
        }
        await Promise.resolve();
        return index;
      },
      onResult() {},
    });

    expect(sent.length).toBeLessThanOrEqual(7);
    expect(results).toEqual(sent.slice().sort((left, right) => left - right));
  });

  it('sends one request when asked for one', async () => {
    const results = await runBurst({ count: 1, concurrency: 4, send: async () => 'ok', onResult() {} });
    expect(results).toEqual(['ok']);
  });
});
