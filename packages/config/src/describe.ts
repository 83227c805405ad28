import type { ConfigError } from './read-config.js';
import type { ConfigSchema } from './schema.js';

/** One row of a service's environment table. */
export interface VariableRow {
  name: string;
  required: boolean;
  default: string;
  unit: string;
  description: string;
}

/**
 * Lists every variable a schema reads, in schema order. A secret contributes two names, `NAME` and
 * `NAME_FILE`, because either one may carry it.
 */
export function listVariableNames(schema: ConfigSchema): string[] {
  return Object.entries(schema).flatMap(([name, spec]) =>
    spec.kind === 'secret' ? [name, `${name}_FILE`] : [name],
  );
}

/** Builds the rows of the README environment table from a schema, so the docs and the code share one source. */
export function describeSchema(schema: ConfigSchema): VariableRow[] {
  return Object.entries(schema).map(([name, spec]) => {
    const required = spec.kind === 'secret' || ('required' in spec && spec.required === true);
    const fallback = 'default' in spec && spec.default !== undefined ? String(spec.default) : '';
    return {
      name: spec.kind === 'secret' ? `${name} or ${name}_FILE` : name,
      required,
      default: fallback,
      unit: spec.unit ?? '',
      description: spec.description,
    };
  });
}

/** Formats a config error for a person at a terminal: one line per problem, no stack trace. */
export function formatConfigError(serviceName: string, error: ConfigError): string {
  const lines = error.problems.map((problem) => `  - ${problem.message}`);
  return [`${serviceName}: invalid configuration, the service did not start:`, ...lines].join('\n');
}
