import type { PlatformRole } from "@repti/kit";

/**
 * Every scope an API key may carry, and the platform role its owner needs to grant it. A key never does more
 * than its owner may: what only platform admins may read or write (flag definitions, flag and config writes,
 * the event log, publishing events and metrics) needs an ADMIN owner. App config is public and token
 * introspection only tells about tokens the caller already holds, so any user may grant those.
 */
export const apiKeyScopeRoles = {
  "flag.read": "ADMIN",
  "flag.write": "ADMIN",
  "config.read": "USER",
  "config.write": "ADMIN",
  "metrics.write": "ADMIN",
  "events.write": "ADMIN",
  "events.read": "ADMIN",
  "auth.introspect": "USER",
} as const satisfies Record<string, PlatformRole>;

export type ApiKeyScope = keyof typeof apiKeyScopeRoles;

/** The scope list (also published as `scopes_supported` in the discovery document). */
export const apiKeyScopes = Object.keys(apiKeyScopeRoles) as readonly ApiKeyScope[];

export function isApiKeyScope(scope: string): scope is ApiKeyScope {
  return Object.hasOwn(apiKeyScopeRoles, scope);
}

/** Whether an owner of this platform role may hold the scope. */
export function roleMayGrant(role: PlatformRole, scope: ApiKeyScope): boolean {
  return apiKeyScopeRoles[scope] === "USER" || role === "ADMIN";
}
