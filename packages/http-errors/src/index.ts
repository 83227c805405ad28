export {
  AppError,
  buildErrorFactory,
  type ErrorBody,
  type ErrorCatalog,
  type ErrorDefinition,
} from './app-error.js';
export { buildErrorBody, commonErrors, handleFrameworkError, httpErrorsPlugin } from './plugin.js';
