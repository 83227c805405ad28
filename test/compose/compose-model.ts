import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPOSITORY_ROOT } from '../support/compose-cluster.js';

/** A parsed compose file: plain objects, arrays and scalars. */
export type ComposeDocument = Record<string, unknown>;

/** The parts of a service definition that the checks read. */
export interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context: string; readonly target: string };
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly depends_on?: Readonly<Record<string, { readonly condition: string; readonly restart?: boolean }>>;
  readonly healthcheck?: { readonly test: readonly string[] };
  readonly ports?: readonly string[];
  readonly volumes?: readonly string[];
  readonly networks?: readonly string[] | Readonly<Record<string, { readonly ipv4_address?: string } | null>>;
  readonly profiles?: readonly string[];
  readonly network_mode?: string;
  readonly restart?: string;
  readonly user?: string;
}

/**
 * Reads a compose file the way Compose does before interpolation: YAML with merge keys (`<<: *anchor`)
 * resolved. `path` is relative to the repository root.
 */
export function readComposeFile(path: string): ComposeDocument {
  const text = readFileSync(join(REPOSITORY_ROOT, path), 'utf8');
  return parse(text, { merge: true }) as ComposeDocument;
}

const VARIABLE = /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Replaces `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `$NAME` and `$$` in every string of `value`,
 * as Compose does with the variables of `env`. Throws on any other `${...}` form, so that a check never
 * passes on text it did not understand.
 */
export function interpolate<T>(value: T, env: Readonly<Record<string, string | undefined>>): T {
  if (typeof value === 'string') {
    return interpolateString(value, env) as T;
  }
  if (Array.isArray(value)) {
    return value.map((item) => interpolate(item, env)) as T;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, env)])) as T;
  }
  return value;
}

function interpolateString(text: string, env: Readonly<Record<string, string | undefined>>): string {
  const replaced = text.replace(
    VARIABLE,
    (_match, body: string, name?: string, operator?: string, fallback?: string, bareName?: string) => {
      if (body === '$') {
        return '$';
      }
      const variable = name ?? bareName!;
      const current = env[variable];
      if (operator === ':-') {
        return current === undefined || current === '' ? (fallback ?? '') : current;
      }
      if (operator === '-') {
        return current === undefined ? (fallback ?? '') : current;
      }
      return current ?? '';
    },
  );
  if (/\$\{/.test(replaced)) {
    throw new Error(`unsupported interpolation in ${JSON.stringify(text)}`);
  }
  return replaced;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Merges an override file into a base file with the Compose Specification rules that this repository's
 * override files need. Mappings merge key by key. Sequences such as `ports` and `volumes` are appended,
 * and every other sequence (`command`, for example) is replaced.
 */
export function mergeComposeFiles(base: ComposeDocument, override: ComposeDocument): ComposeDocument {
  return mergeValues(base, override, []) as ComposeDocument;
}

const APPENDED_SEQUENCES = new Set([
  'ports',
  'volumes',
  'expose',
  'cap_add',
  'cap_drop',
  'security_opt',
  'tmpfs',
]);

function mergeValues(base: unknown, override: unknown, path: readonly string[]): unknown {
  if (isRecord(base) && isRecord(override)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
      merged[key] = key in base ? mergeValues(base[key], value, [...path, key]) : value;
    }
    return merged;
  }
  const key = path[path.length - 1] ?? '';
  if (Array.isArray(base) && Array.isArray(override) && APPENDED_SEQUENCES.has(key)) {
    return [...base, ...override];
  }
  return override;
}

/** Returns the named service of a compose document; throws when it is missing. */
export function serviceOf(document: ComposeDocument, name: string): ComposeService {
  const services = document.services as Record<string, ComposeService> | undefined;
  const service = services?.[name];
  if (!service) {
    throw new Error(`the compose file has no service ${JSON.stringify(name)}`);
  }
  return service;
}

/** Lists the service names of a compose document. */
export function serviceNames(document: ComposeDocument): string[] {
  return Object.keys((document.services as Record<string, unknown> | undefined) ?? {});
}

/** Reads docker-compose.yml with every variable at its default, as `docker compose up` reads it without a .env file. */
export function readDefaultLab(): ComposeDocument {
  return interpolate(readComposeFile('docker-compose.yml'), {});
}
