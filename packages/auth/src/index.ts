export {
  AccessLog,
  type AccessRecord,
  accessLogRoute,
  accessLogTableSql,
  registerAccessLogRoute,
} from "./access-log.js";
export { type ApiKeyEntry, ApiKeyRing, apiKeyHash } from "./api-keys.js";
export { authenticate } from "./authenticate.js";
export { ApiAuthEnv, type AuthSettings, authSettingsOf, withoutApiAuth } from "./config.js";
export { ASYMMETRIC_ALGORITHMS, type JwtSettings } from "./jwt.js";
export { API_SECURITY, AUTH_ERRORS, documentApiSecurity } from "./openapi.js";
export {
  type AuthenticatedEnv,
  assertDomainAllowed,
  assertResourceVisible,
  canSeeDomain,
  ForbiddenError,
  hasRole,
  type Principal,
  principalOf,
  ROLES,
  type Role,
  requireAllDomains,
  requireAnyRole,
  requireRole,
} from "./principal.js";
export { Pseudonymiser } from "./pseudonym.js";
export { rateLimitPerPrincipal } from "./rate-limit.js";
