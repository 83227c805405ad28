export {
  type LoginAttempt,
  LoginThrottle,
  type LoginThrottleOptions,
  LoginThrottleUnavailableError,
  type ThrottleDecision,
  type ThrottleScope,
} from './login-throttle.js';
