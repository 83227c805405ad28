import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findExecutable, INSTALL_HINT, MissingBinaryError } from '../src/index.js';

describe('findExecutable', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'authlab-binaries-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds an executable on the given PATH', async () => {
    const program = join(dir, 'authlab-test-program');
    await writeFile(program, '#!/bin/sh\n');
    await chmod(program, 0o755);

    expect(await findExecutable('authlab-test-program', dir)).toBe(program);
  });

  it('skips a file that is not executable', async () => {
    await writeFile(join(dir, 'authlab-test-program'), '');

    expect(await findExecutable('authlab-test-program', dir)).toBeUndefined();
  });
});

describe('MissingBinaryError', () => {
  it('names one missing program and the install command', () => {
    const error = new MissingBinaryError('nginx', INSTALL_HINT);

    expect(error.code).toBe('MISSING_BINARY');
    expect(error.message).toBe(
      'nginx was not found: install it with sudo apt-get install nginx-light redis-server (or brew install nginx redis)',
    );
  });

  it('names two missing programs at once', () => {
    const error = new MissingBinaryError('nginx and redis-server', INSTALL_HINT);

    expect(error.message).toBe(
      'nginx and redis-server were not found: install them with sudo apt-get install nginx-light redis-server (or brew install nginx redis)',
    );
  });
});
