import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigSchema, listVariableNames } from '../../packages/config/src/index.js';
import { apiConfigSchema, loadConfig as loadApiConfig } from '../../services/api/src/config.js';
import { authConfigSchema, loadConfig as loadAuthConfig } from '../../services/auth/src/config.js';
import { buildMismatchedSecretsOverride } from '../support/compose-cluster.js';
import {
  type ComposeDocument,
  interpolate,
  mergeComposeFiles,
  readComposeFile,
  readDefaultLab,
  serviceOf,
} from './compose-model.js';

const SECRETS_MOUNT = '/run/secrets/authlab';

const SERVICES: readonly { name: string; schema: ConfigSchema }[] = [
  { name: 'auth', schema: authConfigSchema },
  { name: 'api-1', schema: apiConfigSchema },
  { name: 'api-2', schema: apiConfigSchema },
  { name: 'api-3', schema: apiConfigSchema },
];

/** Names of the variables a schema cannot do without: secrets (one of NAME or NAME_FILE) and required values. */
function requiredVariables(schema: ConfigSchema): string[][] {
  return Object.entries(schema).flatMap(([name, spec]) => {
    if (spec.kind === 'secret') {
      return [[name, `${name}_FILE`]];
    }
    const required = 'required' in spec && spec.required === true && spec.default === undefined;
    return required ? [[name]] : [];
  });
}

describe('service environment in docker-compose.yml', () => {
  const lab = readDefaultLab();
  const drill = interpolate(
    mergeComposeFiles(
      readComposeFile('docker-compose.yml'),
      readComposeFile('deploy/compose/replica-secret-mismatch.yml'),
    ),
    {},
  );
  // Every file that secrets-init writes with the drill override, which adds api-3's own files.
  const written = (serviceOf(drill, 'secrets-init').environment?.AUTHLAB_SECRET_FILES ?? '').split(/\s+/);
  let secretsDir: string;

  /** Returns the service's compose environment, with the secret files moved from the volume to `secretsDir`. */
  function environmentForTest(document: ComposeDocument, name: string): Record<string, string> {
    const environment = { ...(serviceOf(document, name).environment ?? {}) };
    for (const [variable, value] of Object.entries(environment)) {
      if (variable.endsWith('_FILE') && value.startsWith(`${SECRETS_MOUNT}/`)) {
        environment[variable] = join(secretsDir, value.slice(SECRETS_MOUNT.length + 1));
      }
    }
    return environment;
  }

  beforeAll(async () => {
    // What secrets-init writes into the volume: 32 random bytes as 64 hex digits per file.
    secretsDir = await mkdtemp(join(tmpdir(), 'authlab-compose-secrets-'));
    for (const file of written) {
      await writeFile(join(secretsDir, file), randomBytes(32).toString('hex'), { mode: 0o400 });
    }
  });

  afterAll(async () => {
    await rm(secretsDir, { recursive: true, force: true });
  });

  it.each(SERVICES)('$name sets every variable its config requires', ({ name, schema }) => {
    const environment = serviceOf(lab, name).environment ?? {};

    for (const alternatives of requiredVariables(schema)) {
      const set = alternatives.filter((variable) => (environment[variable] ?? '') !== '');
      expect(set.length, `${name} needs one of ${alternatives.join(', ')}`).toBe(1);
    }
  });

  it.each(SERVICES)('$name sets only variables its config reads', ({ name, schema }) => {
    const known = new Set(listVariableNames(schema));

    for (const variable of Object.keys(serviceOf(lab, name).environment ?? {})) {
      expect(known.has(variable), `${name} sets ${variable}, which its config does not read`).toBe(true);
    }
  });

  it.each(SERVICES)('$name reaches Redis through the redis service', ({ name, schema }) => {
    const environment = serviceOf(lab, name).environment ?? {};
    const redisVariables = Object.keys(schema).filter((variable) => variable.endsWith('_REDIS_URL'));

    expect(redisVariables.length, name).toBeGreaterThan(0);
    for (const variable of redisVariables) {
      expect(environment[variable], `${name} ${variable}`).toBe('redis://redis:6379');
    }
  });

  it('auth environment loads as a valid config', () => {
    const config = loadAuthConfig(environmentForTest(lab, 'auth'));

    expect(config.host).toBe('0.0.0.0');
    expect(config.port).toBe(4000);
    expect(config.trustProxy).toEqual(['10.213.88.10']);
  });

  it.each(['api-1', 'api-2', 'api-3'])('%s environment loads as a valid config', (name) => {
    const config = loadApiConfig(environmentForTest(lab, name));

    expect(config.replicaId).toBe(name);
    expect(config.host).toBe('0.0.0.0');
    expect(config.port).toBe(3000);
    expect(config.redisUrl).toBe('redis://redis:6379');
    expect(config.trustProxy).toEqual(['10.213.88.10']);
  });

  it('replicas verify what the auth service signs', () => {
    const auth = loadAuthConfig(environmentForTest(lab, 'auth'));

    for (const name of ['api-1', 'api-2', 'api-3']) {
      const replica = loadApiConfig(environmentForTest(lab, name));
      expect(replica.jwtSecret, name).toBe(auth.jwtSecret);
      expect(replica.jwtIssuer, name).toBe(auth.jwtIssuer);
      expect(replica.jwtAudience, name).toBe(auth.jwtAudience);
    }
  });

  it('replicas share one session secret', () => {
    const secrets = ['api-1', 'api-2', 'api-3'].map(
      (name) => loadApiConfig(environmentForTest(lab, name)).sessionSecret,
    );

    expect(new Set(secrets).size).toBe(1);
  });

  it('mismatched secrets override gives api-2 its own secrets', async () => {
    const override = await buildMismatchedSecretsOverride('api-2');
    const restarted = interpolate(mergeComposeFiles(readComposeFile('docker-compose.yml'), override), {});
    // secrets-init writes only the files that are missing: here, the api-2-* ones.
    for (const file of serviceOf(restarted, 'secrets-init').environment?.AUTHLAB_SECRET_FILES?.split(' ') ??
      []) {
      if (!existsSync(join(secretsDir, file))) {
        await writeFile(join(secretsDir, file), randomBytes(32).toString('hex'), { mode: 0o400 });
      }
    }
    const api1 = loadApiConfig(environmentForTest(restarted, 'api-1'));
    const api2 = loadApiConfig(environmentForTest(restarted, 'api-2'));

    expect(serviceOf(restarted, 'api-2').environment?.API_JWT_SECRET_FILE).toBe(
      `${SECRETS_MOUNT}/api-2-jwt-secret`,
    );
    expect(api2.replicaId).toBe('api-2');
    expect(api2.jwtSecret).not.toBe(api1.jwtSecret);
    expect(api2.sessionSecret).not.toBe(api1.sessionSecret);
  });

  it('replica-secret-mismatch.yml gives api-3 a valid config with other secrets', () => {
    const api1 = loadApiConfig(environmentForTest(drill, 'api-1'));
    const api3 = loadApiConfig(environmentForTest(drill, 'api-3'));

    expect(api3.jwtSecret).not.toBe(api1.jwtSecret);
    expect(api3.sessionSecret).not.toBe(api1.sessionSecret);
    expect(api3.cookieSessionKeys).not.toEqual(api1.cookieSessionKeys);
  });
});
