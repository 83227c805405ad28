/** Rules for one environment variable, keyed by its name in a config schema. */
export type VariableSpec = StringSpec | IntegerSpec | EnumSpec | BooleanSpec | ListSpec | SecretSpec;

interface BaseSpec {
  /** One sentence for the README table and the env example file. */
  description: string;
  /** Unit of the value, shown in docs (`seconds`, `milliseconds`, `bytes`). */
  unit?: string;
}

export interface StringSpec extends BaseSpec {
  kind: 'string';
  default?: string;
  required?: boolean;
  pattern?: RegExp;
  /** Human-readable form of `pattern`, used in error messages. */
  patternHint?: string;
}

export interface IntegerSpec extends BaseSpec {
  kind: 'integer';
  default?: number;
  required?: boolean;
  min: number;
  max: number;
}

export interface EnumSpec extends BaseSpec {
  kind: 'enum';
  values: readonly string[];
  default?: string;
  required?: boolean;
}

export interface BooleanSpec extends BaseSpec {
  kind: 'boolean';
  default: boolean;
}

export interface ListSpec extends BaseSpec {
  kind: 'list';
  /** Comma-separated default, or empty for an empty list. */
  default?: string;
  required?: boolean;
  itemPattern?: RegExp;
  itemHint?: string;
}

/**
 * A secret read from `NAME` or from the file named by `NAME_FILE`. Secrets are always required and never
 * have a default, so a deployment cannot start with a value that is published in this repository.
 */
export interface SecretSpec extends BaseSpec {
  kind: 'secret';
  minBytes: number;
}

export type ConfigSchema = Readonly<Record<string, VariableSpec>>;

type ValueOf<S extends VariableSpec> = S extends IntegerSpec
  ? number
  : S extends BooleanSpec
    ? boolean
    : S extends ListSpec
      ? readonly string[]
      : string;

type IsPresent<S extends VariableSpec> = S extends SecretSpec | BooleanSpec | ListSpec
  ? true
  : S extends { required: true }
    ? true
    : S extends { default: string | number }
      ? true
      : false;

/** The parsed values of a schema: present values are typed, optional ones may be undefined. */
export type ConfigValues<S extends ConfigSchema> = {
  readonly [K in keyof S]: IsPresent<S[K]> extends true ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};
