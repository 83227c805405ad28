export {
  AppError,
  buildErrorFactory,
  type ErrorBody,
  type ErrorCatalog,
  type ErrorDefinition,
} from './app-error.js';
export { buildErrorBody, commonErrors, httpErrorsPlugin } from './plugin.js';
