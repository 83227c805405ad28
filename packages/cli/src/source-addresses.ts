import { createServer } from 'node:net';

/**
 * First two octets of the source addresses of simulated clients: client `k` binds `127.1.k.1`, so every
 * client has a /24 network of its own, as clients behind different NATs would. The block stays clear of
 * the local cluster's services (127.0.10.x to 127.0.12.x) and of the balancer (127.0.0.1).
 */
export const CLIENT_ADDRESS_BLOCK = '127.1';

/** The one address every client shares with `--same-nat`, as if all sat behind one NAT gateway. */
export const SAME_NAT_ADDRESS = `${CLIENT_ADDRESS_BLOCK}.0.1`;

/** The source addresses of a run's simulated clients. */
export interface SourceAddressPlan {
  /**
   * `distinct-networks`: one /24 per client; `same-nat`: one address for all; `unavailable`: the operating
   * system's default address, because the block cannot be bound (see `note`).
   */
  readonly kind: 'distinct-networks' | 'same-nat' | 'unavailable';
  /** Source address of each client, by client index; undefined means the default address. */
  readonly addresses: readonly (string | undefined)[];
  /** The reason the addresses are unavailable and the fix, when they are. */
  readonly note?: string;
}

/** Returns the source address of client `index`: `127.1.<index>.1`, or the shared address with `sameNat`. */
export function clientSourceAddress(index: number, sameNat: boolean): string {
  if (!Number.isInteger(index) || index < 0 || index > 255) {
    throw new RangeError(`client index must be an integer from 0 to 255, got ${index}`);
  }
  return sameNat ? SAME_NAT_ADDRESS : `${CLIENT_ADDRESS_BLOCK}.${index}.1`;
}

/**
 * Plans the source addresses of `clients` clients. Linux routes all of 127.0.0.0/8 to the loopback
 * interface, so any address there can be bound; macOS configures only 127.0.0.1 unless each address is
 * aliased first. There the clients fall back to the default address, and the plan's note gives the reason.
 */
export async function planSourceAddresses(clients: number, sameNat: boolean): Promise<SourceAddressPlan> {
  const addresses = Array.from({ length: clients }, (_, index) => clientSourceAddress(index, sameNat));
  const unavailable: string[] = [];
  for (const address of new Set(addresses)) {
    if (!(await canBind(address))) {
      unavailable.push(address);
    }
  }
  if (unavailable.length === 0) {
    return { kind: sameNat ? 'same-nat' : 'distinct-networks', addresses };
  }

  const example = unavailable[0]!;
  return {
    kind: 'unavailable',
    addresses: addresses.map(() => undefined),
    note:
      `cannot bind ${unavailable.length} of the client source addresses (first: ${example}), so every client ` +
      `uses the default address and ip-hash sends them all to one replica. On macOS add an alias for each ` +
      `address first, for example: sudo ifconfig lo0 alias ${example}`,
  };
}

/** Tells whether a socket can be bound to `address`; EADDRNOTAVAIL means the address is not configured. */
function canBind(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, address, () => {
      server.close(() => resolve(true));
    });
  });
}
