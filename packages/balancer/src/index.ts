export {
  BALANCER_MODES,
  type BalancerListener,
  type BalancerMode,
  COOKIE_HASH_COOKIES,
  type DashboardListener,
  DEFAULT_BALANCER_PORTS,
  NGINX_TEMPLATE_PATH,
  NGINX_TIMING,
  type NginxConfigOptions,
  type NginxTarget,
  ROUTE_COOKIE_NAME,
  renderNginxConfig,
} from './nginx-config.js';
export { renderTemplate, TemplateError, type TemplateScope, type TemplateValue } from './render-template.js';
