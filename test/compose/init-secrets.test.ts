import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../support/compose-cluster.js';

const SCRIPT = join(REPOSITORY_ROOT, 'deploy/compose/init-secrets.mjs');

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the script the way the secrets-init container does, with only the given variables set. */
function runInitSecrets(variables: Record<string, string>): RunResult {
  const result = spawnSync(process.execPath, [SCRIPT], {
    env: { PATH: process.env.PATH, ...variables },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('deploy/compose/init-secrets.mjs', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'authlab-init-secrets-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one random secret per file', async () => {
    const result = runInitSecrets({
      AUTHLAB_SECRETS_DIR: dir,
      AUTHLAB_SECRET_FILES: 'jwt-secret session-secret',
    });
    const jwtSecret = await readFile(join(dir, 'jwt-secret'), 'utf8');
    const sessionSecret = await readFile(join(dir, 'session-secret'), 'utf8');

    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      'secrets-init: jwt-secret: generated a random value\nsecrets-init: session-secret: generated a random value\n',
    );
    expect(jwtSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(sessionSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(jwtSecret).not.toBe(sessionSecret);
  });

  it('makes the files readable by their owner only', async () => {
    runInitSecrets({ AUTHLAB_SECRETS_DIR: dir, AUTHLAB_SECRET_FILES: 'jwt-secret' });

    expect((await stat(join(dir, 'jwt-secret'))).mode & 0o777).toBe(0o400);
  });

  it('keeps an existing secret', async () => {
    runInitSecrets({ AUTHLAB_SECRETS_DIR: dir, AUTHLAB_SECRET_FILES: 'jwt-secret' });
    const first = await readFile(join(dir, 'jwt-secret'), 'utf8');

    const result = runInitSecrets({ AUTHLAB_SECRETS_DIR: dir, AUTHLAB_SECRET_FILES: 'jwt-secret' });

    expect(result.status).toBe(0);
    expect(result.stdout).toBe('secrets-init: jwt-secret: kept the existing file\n');
    expect(await readFile(join(dir, 'jwt-secret'), 'utf8')).toBe(first);
  });

  it('replaces a secret with the value the user set', async () => {
    runInitSecrets({ AUTHLAB_SECRETS_DIR: dir, AUTHLAB_SECRET_FILES: 'jwt-secret session-secret' });
    const userSecret = 'a-secret-chosen-by-the-user-0123456789';

    const result = runInitSecrets({
      AUTHLAB_SECRETS_DIR: dir,
      AUTHLAB_SECRET_FILES: 'jwt-secret session-secret',
      AUTHLAB_JWT_SECRET: userSecret,
    });

    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      'secrets-init: jwt-secret: written from AUTHLAB_JWT_SECRET (38 bytes)\nsecrets-init: session-secret: kept the existing file\n',
    );
    expect(await readFile(join(dir, 'jwt-secret'), 'utf8')).toBe(userSecret);
    expect((await stat(join(dir, 'jwt-secret'))).mode & 0o777).toBe(0o400);
    expect(await readdir(dir)).toEqual(['jwt-secret', 'session-secret']);
  });

  it('treats an empty user value as unset', async () => {
    const result = runInitSecrets({
      AUTHLAB_SECRETS_DIR: dir,
      AUTHLAB_SECRET_FILES: 'jwt-secret',
      AUTHLAB_JWT_SECRET: '',
    });

    expect(result.status).toBe(0);
    expect(result.stdout).toBe('secrets-init: jwt-secret: generated a random value\n');
  });

  it('never prints a secret value', async () => {
    const userSecret = 'a-secret-chosen-by-the-user-0123456789';
    const result = runInitSecrets({
      AUTHLAB_SECRETS_DIR: dir,
      AUTHLAB_SECRET_FILES: 'jwt-secret session-secret',
      AUTHLAB_JWT_SECRET: userSecret,
    });
    const generated = await readFile(join(dir, 'session-secret'), 'utf8');

    expect(result.stdout + result.stderr).not.toContain(userSecret);
    expect(result.stdout + result.stderr).not.toContain(generated);
  });

  it('rejects a file name that is a path', async () => {
    const result = runInitSecrets({
      AUTHLAB_SECRETS_DIR: dir,
      AUTHLAB_SECRET_FILES: 'jwt-secret ../outside',
    });

    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'secrets-init: AUTHLAB_SECRET_FILES is invalid: expected lowercase words joined by "-", got "../outside"\n',
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects an empty file list', () => {
    const result = runInitSecrets({ AUTHLAB_SECRETS_DIR: dir, AUTHLAB_SECRET_FILES: ' ' });

    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'secrets-init: AUTHLAB_SECRET_FILES is missing: list the secret files to write, for example "jwt-secret session-secret"\n',
    );
  });

  it('fails when the secrets folder is missing', () => {
    const missing = join(dir, 'missing');
    const result = runInitSecrets({ AUTHLAB_SECRETS_DIR: missing, AUTHLAB_SECRET_FILES: 'jwt-secret' });

    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`secrets-init: failed to write ${missing}/jwt-secret (ENOENT)\n`);
  });
});
