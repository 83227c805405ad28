export {
  type BalancerListener,
  type BalancerMode,
  type DashboardListener,
  NGINX_TEMPLATE_PATH,
  NGINX_TIMING,
  type NginxConfigOptions,
  type NginxTarget,
  renderNginxConfig,
} from './nginx-config.js';
export { renderTemplate, TemplateError, type TemplateScope, type TemplateValue } from './render-template.js';
