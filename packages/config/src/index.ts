export { describeSchema, formatConfigError, listVariableNames, type VariableRow } from './describe.js';
export { ConfigError, type ConfigProblem, type Environment, readConfig } from './read-config.js';
export type {
  BooleanSpec,
  ConfigSchema,
  ConfigValues,
  EnumSpec,
  IntegerSpec,
  ListSpec,
  SecretSpec,
  StringSpec,
  VariableSpec,
} from './schema.js';
