import { generateKeyPairSync } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One step of a signing key rotation, each followed by a restart of the auth service. */
export type KeyRotationStep = 'publish-next' | 'activate-next' | 'withdraw-previous';

/** The keys the auth service publishes after a step, and the one that signs. */
export interface SigningKeyState {
  readonly activeKid: string;
  readonly publishedKids: readonly string[];
}

/**
 * The cluster's Ed25519 key directory for EdDSA mode: one `<kid>.pem` file per published key, made by
 * the cluster as an operator would with `openssl genpkey`, never by the auth service at boot. Kids are
 * `key-1`, `key-2`, and so on, in order of creation.
 */
export class ClusterSigningKeys {
  #activeKid = 'key-1';
  #published: string[] = [];
  #created = 0;

  constructor(readonly directory: string) {}

  /** Creates the directory with the first key, which signs from the start. */
  async create(): Promise<void> {
    await mkdir(this.directory, { mode: 0o700 });
    this.#activeKid = await this.#addKey();
  }

  get state(): SigningKeyState {
    return { activeKid: this.#activeKid, publishedKids: [...this.#published] };
  }

  /**
   * Applies one rotation step to the files. The caller restarts the auth service afterwards.
   * - `publish-next`: adds a key that does not sign yet.
   * - `activate-next`: makes the newest key sign; it must have been published first.
   * - `withdraw-previous`: deletes every key but the active one.
   */
  async apply(step: KeyRotationStep): Promise<SigningKeyState> {
    if (step === 'publish-next') {
      await this.#addKey();
    } else if (step === 'activate-next') {
      const newest = this.#published.at(-1)!;
      if (newest === this.#activeKid) {
        throw new Error('no published key is newer than the active one: run publish-next first');
      }
      this.#activeKid = newest;
    } else {
      for (const kid of this.#published.filter((candidate) => candidate !== this.#activeKid)) {
        await rm(join(this.directory, `${kid}.pem`), { force: true });
      }
      this.#published = [this.#activeKid];
    }
    return this.state;
  }

  async #addKey(): Promise<string> {
    this.#created += 1;
    const kid = `key-${this.#created}`;
    const { privateKey } = generateKeyPairSync('ed25519');
    await writeFile(join(this.directory, `${kid}.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
    this.#published.push(kid);
    return kid;
  }
}
