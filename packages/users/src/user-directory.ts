import { Buffer } from 'node:buffer';
import { DEMO_USERS } from './demo-users.generated.js';
import { MAX_PASSWORD_BYTES, verifyPassword } from './password-hash.js';

/** A stored account: the subject that tokens and sessions name, and its password hash. */
export interface StoredUser {
  readonly username: string;
  readonly passwordHash: string;
}

/**
 * Result of a credential check. The reason is for the log only: every failure looks the same to the
 * client, so an attacker cannot tell an unknown user from a wrong password.
 */
export type CredentialCheck =
  | { ok: true; username: string }
  | { ok: false; reason: 'unknown-user' | 'wrong-password' | 'password-too-long' };

/** The users one deployment knows, with a password check that costs the same for unknown names. */
export interface UserDirectory {
  checkCredentials(username: string, password: string): Promise<CredentialCheck>;
  has(username: string): boolean;
}

/**
 * Builds a directory over stored users. An unknown username is checked against a dummy hash of the same
 * cost, so the response time does not reveal which usernames exist.
 */
export function buildUserDirectory(users: readonly StoredUser[] = DEMO_USERS): UserDirectory {
  const byName = new Map(users.map((user) => [user.username, user]));
  const first = users[0];
  if (!first) {
    throw new TypeError('a user directory needs at least one user');
  }
  const dummyHash = first.passwordHash;

  return {
    has(username) {
      return byName.has(username);
    },

    async checkCredentials(username, password) {
      if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
        return { ok: false, reason: 'password-too-long' };
      }

      const user = byName.get(username);
      const matches = await verifyPassword(password, user?.passwordHash ?? dummyHash);

      if (!user) {
        return { ok: false, reason: 'unknown-user' };
      }
      if (!matches) {
        return { ok: false, reason: 'wrong-password' };
      }
      return { ok: true, username: user.username };
    },
  };
}
