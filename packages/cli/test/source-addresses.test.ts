import { platform } from 'node:os';
import { describe, expect, it } from 'vitest';
import { clientSourceAddress, planSourceAddresses, SAME_NAT_ADDRESS } from '../src/source-addresses.js';

describe('source addresses', () => {
  it('gives each client a /24 of its own', () => {
    expect(clientSourceAddress(0, false)).toBe('127.1.0.1');
    expect(clientSourceAddress(42, false)).toBe('127.1.42.1');
  });

  it('gives every client one address behind the same NAT', () => {
    expect(clientSourceAddress(42, true)).toBe(SAME_NAT_ADDRESS);
  });

  it('rejects a client index outside one octet', () => {
    expect(() => clientSourceAddress(256, false)).toThrow(
      'client index must be an integer from 0 to 255, got 256',
    );
  });

  it.runIf(platform() === 'linux')('binds every address of the block on Linux', async () => {
    const plan = await planSourceAddresses(3, false);

    expect(plan.kind).toBe('distinct-networks');
    expect(plan.addresses).toEqual(['127.1.0.1', '127.1.1.1', '127.1.2.1']);
    expect(plan.note).toBeUndefined();
  });
});
