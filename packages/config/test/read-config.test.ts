import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  type ConfigSchema,
  describeSchema,
  formatConfigError,
  listVariableNames,
  readConfig,
} from '../src/index.js';

const schema = {
  APP_PORT: { kind: 'integer', description: 'Port to listen on.', default: 3000, min: 1, max: 65535 },
  APP_NAME: {
    kind: 'string',
    description: 'Name.',
    required: true,
    pattern: /^[a-z]+$/,
    patternHint: 'lowercase letters',
  },
  APP_MODE: { kind: 'enum', description: 'Mode.', values: ['a', 'b'], default: 'a' },
  APP_DEBUG: { kind: 'boolean', description: 'Debug.', default: false },
  APP_PROXIES: { kind: 'list', description: 'Proxies.' },
  APP_SECRET: { kind: 'secret', description: 'Signing key.', minBytes: 32 },
} as const satisfies ConfigSchema;

const GOOD_SECRET = 'kT3v9QxW1mZr8LpN0aBcDeFgHiJkLmNoPq';

describe('readConfig', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'authlab-config-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('applies defaults and converts types', () => {
    const config = readConfig(schema, {
      APP_NAME: 'lab',
      APP_SECRET: GOOD_SECRET,
      APP_PROXIES: ' 127.0.0.1, ::1 ,',
    });

    expect(config.APP_PORT).toBe(3000);
    expect(config.APP_MODE).toBe('a');
    expect(config.APP_DEBUG).toBe(false);
    expect(config.APP_PROXIES).toEqual(['127.0.0.1', '::1']);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every problem at once', () => {
    const error = captureConfigError(() =>
      readConfig(schema, { APP_PORT: '80a', APP_NAME: 'Lab', APP_MODE: 'c', APP_DEBUG: 'yes' }),
    );

    expect(error.problems.map((problem) => problem.variable)).toEqual([
      'APP_PORT',
      'APP_NAME',
      'APP_MODE',
      'APP_DEBUG',
      'APP_SECRET',
    ]);
    expect(error.problems[0]?.message).toBe('APP_PORT is invalid: expected a whole number, got "80a"');
    expect(error.problems[1]?.message).toBe('APP_NAME is invalid: expected lowercase letters, got "Lab"');
  });

  it('rejects an integer with surrounding whitespace or out of range', () => {
    expect(
      captureConfigError(() => readConfig(schema, env({ APP_PORT: ' 80 ' }))).problems[0]?.message,
    ).toContain('expected a whole number');
    expect(
      captureConfigError(() => readConfig(schema, env({ APP_PORT: '70000' }))).problems[0]?.message,
    ).toBe('APP_PORT is out of range: expected 1 to 65535, got 70000');
  });

  it('names a missing secret and how to make one', () => {
    const error = captureConfigError(() => readConfig(schema, { APP_NAME: 'lab' }));

    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.message).toContain('APP_SECRET is missing: set APP_SECRET or APP_SECRET_FILE');
    expect(error.problems[0]?.message).toContain('openssl rand -base64 48');
  });

  it('gives a short secret length but never its value', () => {
    const error = captureConfigError(() =>
      readConfig(schema, { APP_NAME: 'lab', APP_SECRET: 'short-secret-1234' }),
    );

    expect(error.problems[0]?.message).toContain('expected at least 32 bytes, got 17 bytes');
    expect(error.message).not.toContain('short-secret-1234');
  });

  it('rejects a long secret with too few distinct characters', () => {
    const error = captureConfigError(() =>
      readConfig(schema, { APP_NAME: 'lab', APP_SECRET: 'ab'.repeat(40) }),
    );

    expect(error.problems[0]?.message).toContain('APP_SECRET is too weak');
  });

  it('reads a secret file without its trailing newline', async () => {
    const path = join(dir, 'secret');
    await writeFile(path, `${GOOD_SECRET}\n`);

    const config = readConfig(schema, { APP_NAME: 'lab', APP_SECRET_FILE: path });

    expect(config.APP_SECRET).toBe(GOOD_SECRET);
  });

  it('rejects a secret given both directly and as a file', () => {
    const error = captureConfigError(() =>
      readConfig(schema, { APP_NAME: 'lab', APP_SECRET: GOOD_SECRET, APP_SECRET_FILE: '/nonexistent' }),
    );

    expect(error.problems[0]?.message).toBe(
      'APP_SECRET and APP_SECRET_FILE are both set: set only one of them',
    );
  });

  it('names an unreadable secret file', () => {
    const error = captureConfigError(() =>
      readConfig(schema, { APP_NAME: 'lab', APP_SECRET_FILE: join(dir, 'missing') }),
    );

    expect(error.problems[0]?.message).toContain('APP_SECRET_FILE is unreadable');
    expect(error.problems[0]?.message).toContain('ENOENT');
  });
});

describe('schema description', () => {
  it('lists both names of a secret', () => {
    expect(listVariableNames(schema)).toEqual([
      'APP_PORT',
      'APP_NAME',
      'APP_MODE',
      'APP_DEBUG',
      'APP_PROXIES',
      'APP_SECRET',
      'APP_SECRET_FILE',
    ]);
  });

  it('marks secrets and required variables as required', () => {
    const rows = describeSchema(schema);

    expect(rows.find((row) => row.name === 'APP_SECRET or APP_SECRET_FILE')?.required).toBe(true);
    expect(rows.find((row) => row.name === 'APP_NAME')?.required).toBe(true);
    expect(rows.find((row) => row.name === 'APP_PORT')).toMatchObject({ required: false, default: '3000' });
  });

  it('formats a config error as one line per problem', () => {
    const error = captureConfigError(() => readConfig(schema, {}));

    expect(formatConfigError('demo', error)).toBe(
      [
        'demo: invalid configuration, the service did not start:',
        '  - APP_NAME is missing: Name.',
        `  - ${error.problems[1]?.message}`,
      ].join('\n'),
    );
  });
});

function env(overrides: Record<string, string>): Record<string, string> {
  return { APP_NAME: 'lab', APP_SECRET: GOOD_SECRET, ...overrides };
}

function captureConfigError(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a ConfigError');
}
