import { readdir, readFile, readlink } from 'node:fs/promises';
import { parseLoopbackTarget } from './loopback.js';

/**
 * Encodes an IPv4 address and port the way /proc/net/tcp prints them: the address as one 32-bit number
 * in host byte order (little-endian on x86 and ARM), then the port, both in upper-case hex.
 */
function encodeIpv4Socket(address: string, port: number): string {
  const octets = address.split('.').map(Number);
  const hex = octets
    .reverse()
    .map((octet) => octet.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  return `${hex}:${port.toString(16).padStart(4, '0').toUpperCase()}`;
}

/** TCP state 0A in /proc/net/tcp is LISTEN. */
const LISTEN_STATE = '0A';

async function findListeningInode(address: string, port: number): Promise<string | undefined> {
  let table: string;
  try {
    table = await readFile('/proc/net/tcp', 'utf8');
  } catch {
    return undefined;
  }

  const expected = encodeIpv4Socket(address, port);
  const wildcard = encodeIpv4Socket('0.0.0.0', port);
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [, local, , state] = fields;
    if (state === LISTEN_STATE && (local === expected || local === wildcard)) {
      return fields[9];
    }
  }
  return undefined;
}

/** Tells whether something listens on the address of `url`, from /proc/net/tcp; sends no packet. */
export async function isListening(url: string): Promise<boolean> {
  const target = parseLoopbackTarget(url);
  return (await findListeningInode(target.connectHost, target.port)) !== undefined;
}

/**
 * Finds the processes that hold the listening socket of `url` (an http URL on an IPv4 loopback address),
 * by matching the socket's inode in /proc/net/tcp against every process's open files. nginx's master and
 * workers all hold their listener, so all of them are found. Returns an empty list where /proc is missing
 * or the processes belong to another user, so callers report no CPU figure rather than a wrong one.
 */
export async function findListeningProcessIds(url: string): Promise<number[]> {
  const target = parseLoopbackTarget(url);
  const inode = await findListeningInode(target.connectHost, target.port);
  if (!inode || inode === '0') {
    return [];
  }

  const socketLink = `socket:[${inode}]`;
  const pids: number[] = [];
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    const descriptors = await readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
    for (const descriptor of descriptors) {
      const link = await readlink(`/proc/${entry}/fd/${descriptor}`).catch(() => '');
      if (link === socketLink) {
        pids.push(Number(entry));
        break;
      }
    }
  }
  return pids.sort((a, b) => a - b);
}
