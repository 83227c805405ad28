import { readFileSync } from 'node:fs';
import type { ConfigSchema, ConfigValues, SecretSpec, VariableSpec } from './schema.js';

/** One invalid or missing variable, with what was expected and how to fix it. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

/** Thrown by `readConfig` with every problem found, so an operator can fix them all in one pass. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(`invalid configuration: ${problems.map((problem) => problem.message).join('; ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export type Environment = Readonly<Record<string, string | undefined>>;

const SECRET_HINT = 'generate one with: openssl rand -base64 48';
const MIN_DISTINCT_SECRET_CHARACTERS = 10;

/**
 * Reads every variable of `schema` from `env`, converts and checks it, and returns a frozen object.
 * Throws a `ConfigError` that lists all problems at once. Secret values never appear in messages.
 */
export function readConfig<S extends ConfigSchema>(schema: S, env: Environment): ConfigValues<S> {
  const problems: ConfigProblem[] = [];
  const values: Record<string, unknown> = {};

  for (const [name, spec] of Object.entries(schema)) {
    const result = readVariable(name, spec, env);
    if ('problem' in result) {
      problems.push({ variable: name, message: result.problem });
      continue;
    }
    values[name] = result.value;
  }

  if (problems.length > 0) {
    throw new ConfigError(problems);
  }

  return Object.freeze(values) as ConfigValues<S>;
}

type ReadResult = { value: unknown } | { problem: string };

function readVariable(name: string, spec: VariableSpec, env: Environment): ReadResult {
  if (spec.kind === 'secret') {
    return readSecret(name, spec, env);
  }

  const raw = env[name];
  if (raw === undefined || raw === '') {
    if (spec.default !== undefined) {
      return spec.kind === 'list' ? { value: splitList(String(spec.default)) } : { value: spec.default };
    }
    if (spec.kind === 'list') {
      return spec.required ? { problem: `${name} is missing: ${spec.description}` } : { value: [] };
    }
    if ('required' in spec && spec.required) {
      return { problem: `${name} is missing: ${spec.description}` };
    }
    return { value: undefined };
  }

  switch (spec.kind) {
    case 'string': {
      if (spec.pattern && !spec.pattern.test(raw)) {
        return {
          problem: `${name} is invalid: expected ${spec.patternHint ?? spec.pattern.source}, got "${raw}"`,
        };
      }
      return { value: raw };
    }
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim()) || raw.trim() !== raw) {
        return {
          problem: `${name} is invalid: expected a whole number${unitSuffix(spec.unit)}, got "${raw}"`,
        };
      }
      const value = Number(raw);
      if (value < spec.min || value > spec.max) {
        return {
          problem: `${name} is out of range: expected ${spec.min} to ${spec.max}${unitSuffix(spec.unit)}, got ${value}`,
        };
      }
      return { value };
    }
    case 'enum': {
      if (!spec.values.includes(raw)) {
        return { problem: `${name} is invalid: expected one of ${spec.values.join(', ')}, got "${raw}"` };
      }
      return { value: raw };
    }
    case 'boolean': {
      if (raw !== 'true' && raw !== 'false') {
        return { problem: `${name} is invalid: expected true or false, got "${raw}"` };
      }
      return { value: raw === 'true' };
    }
    case 'list': {
      const items = splitList(raw);
      const bad = spec.itemPattern ? items.filter((item) => !spec.itemPattern?.test(item)) : [];
      if (bad.length > 0) {
        return {
          problem: `${name} is invalid: expected a comma-separated list of ${spec.itemHint ?? 'values'}, got "${bad.join(', ')}"`,
        };
      }
      return { value: Object.freeze(items) };
    }
  }
}

function readSecret(name: string, spec: SecretSpec, env: Environment): ReadResult {
  const fileVariable = `${name}_FILE`;
  const direct = env[name];
  const path = env[fileVariable];

  if (direct && path) {
    return { problem: `${name} and ${fileVariable} are both set: set only one of them` };
  }
  if (!direct && !path) {
    return {
      problem: `${name} is missing: set ${name} or ${fileVariable} to a random value of at least ${spec.minBytes} bytes (${SECRET_HINT})`,
    };
  }

  let value = direct ?? '';
  if (path) {
    try {
      // A trailing newline is what editors and `openssl rand > file` leave behind; it is not part of the secret.
      value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'read failed';
      return { problem: `${fileVariable} is unreadable: could not read "${path}" (${reason})` };
    }
  }

  const source = path ? `${fileVariable} ("${path}")` : name;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes < spec.minBytes) {
    return {
      problem: `${source} is too short: expected at least ${spec.minBytes} bytes, got ${bytes} bytes (${SECRET_HINT})`,
    };
  }
  if (new Set(value).size < MIN_DISTINCT_SECRET_CHARACTERS) {
    return {
      problem: `${source} is too weak: expected at least ${MIN_DISTINCT_SECRET_CHARACTERS} distinct characters in ${bytes} bytes (${SECRET_HINT})`,
    };
  }
  return { value };
}

function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function unitSuffix(unit: string | undefined): string {
  return unit ? ` (${unit})` : '';
}
