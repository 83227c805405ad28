export {
  buildCorsOriginsSpec,
  checkCorsOrigins,
  checkCorsOriginsVariable,
  DEFAULT_DASHBOARD_ORIGINS,
  findOriginProblem,
} from './origins.js';
export {
  CORS_POLICY,
  type CorsPolicyOptions,
  corsErrors,
  corsPolicyPlugin,
  isCorsPreflight,
} from './plugin.js';
