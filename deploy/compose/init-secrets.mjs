// Writes the lab's secrets into the shared secrets volume before the services of docker-compose.yml start.
// The services read them through their *_FILE variables (AUTH_JWT_SECRET_FILE, API_JWT_SECRET_FILE, ...).
//
// For each name in AUTHLAB_SECRET_FILES (separated by spaces or commas), for example `jwt-secret`:
//   - when the variable AUTHLAB_JWT_SECRET is set and not empty, its value replaces the file, so a secret
//     set by the user in the environment or in .env wins;
//   - otherwise an existing file is kept, so the secrets survive `docker compose down` and `up`;
//   - otherwise a random value is written: 32 bytes from the operating system's CSPRNG as 64 hex digits,
//     a form that every secret of the services accepts (an HS256 key needs at least 32 bytes, and a
//     cookie-session key must be exactly 32 bytes written as 64 hex digits or as base64).
// The files are readable by their owner only (mode 0400). Values never appear in the output.
//
// Environment: AUTHLAB_SECRET_FILES (required), AUTHLAB_SECRETS_DIR (default /run/secrets/authlab), and one
// optional AUTHLAB_<NAME> per file. The process exits with status 1 and a message when anything fails.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const DEFAULT_SECRETS_DIR = '/run/secrets/authlab';
const RANDOM_SECRET_BYTES = 32;
const SECRET_FILE_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Returns the variable that overrides a secret file: `jwt-secret` is overridden by `AUTHLAB_JWT_SECRET`. */
function overrideVariableName(fileName) {
  return `AUTHLAB_${fileName.toUpperCase().replaceAll('-', '_')}`;
}

/** Splits the AUTHLAB_SECRET_FILES list and checks that each entry is a plain file name. */
function parseSecretFileNames(list) {
  const names = (list ?? '').split(/[\s,]+/).filter((name) => name !== '');
  if (names.length === 0) {
    throw new Error(
      'AUTHLAB_SECRET_FILES is missing: list the secret files to write, for example "jwt-secret session-secret"',
    );
  }
  const invalid = names.filter((name) => !SECRET_FILE_NAME.test(name));
  if (invalid.length > 0) {
    throw new Error(
      `AUTHLAB_SECRET_FILES is invalid: expected lowercase words joined by "-", got ${invalid.map((name) => JSON.stringify(name)).join(', ')}`,
    );
  }
  return [...new Set(names)];
}

/**
 * Writes or keeps each secret file in `directory` and returns one line per file saying what happened.
 * `env` supplies the user's overrides.
 */
async function writeSecretFiles(directory, names, env) {
  const report = [];
  for (const name of names) {
    const path = join(directory, name);
    const variable = overrideVariableName(name);
    const userValue = env[variable];

    if (userValue !== undefined && userValue !== '') {
      await replaceFile(path, userValue);
      report.push(`${name}: written from ${variable} (${Buffer.byteLength(userValue, 'utf8')} bytes)`);
      continue;
    }

    try {
      // The `wx` flag fails when the file exists, so a secret is generated only once per volume.
      await writeFile(path, randomBytes(RANDOM_SECRET_BYTES).toString('hex'), {
        flag: 'wx',
        mode: 0o400,
      });
      report.push(`${name}: generated a random value`);
    } catch (error) {
      if (error.code !== 'EEXIST') {
        throw new Error(`failed to write ${path} (${error.code ?? error.message})`);
      }
      report.push(`${name}: kept the existing file`);
    }
  }
  return report;
}

/** Replaces `path` through a temporary file and a rename, so a reader never sees a half-written secret. */
async function replaceFile(path, value) {
  const temporaryPath = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporaryPath, value, { flag: 'wx', mode: 0o400 });
    await rename(temporaryPath, path);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw new Error(`failed to write ${path} (${error.code ?? error.message})`);
  }
}

const directory = process.env.AUTHLAB_SECRETS_DIR || DEFAULT_SECRETS_DIR;
try {
  const names = parseSecretFileNames(process.env.AUTHLAB_SECRET_FILES);
  const report = await writeSecretFiles(directory, names, process.env);
  for (const line of report) {
    console.log(`secrets-init: ${line}`);
  }
} catch (error) {
  console.error(`secrets-init: ${error.message}`);
  process.exitCode = 1;
}
