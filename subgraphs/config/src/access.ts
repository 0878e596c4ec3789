import { DomainError, requireScope, type AuthContext } from "@repti/kit";

/** Who made a change, as history records it: the user, and the API key when one acted for its owner. */
export interface Actor {
  userId: string;
  apiKeyId: string | null;
}

/**
 * Flags and app config are platform data: platform ADMINs change them, and so do API keys holding `scope`
 * (identity lets only ADMINs grant the write scopes). The change is recorded against the key's owner.
 */
export function requirePlatformWriter(auth: AuthContext, scope: string, what: string): Actor {
  const caller = requireScope(auth, scope);
  if (caller.kind === "service") return { userId: caller.ownerId, apiKeyId: caller.apiKeyId };
  if (caller.platformRole !== "ADMIN") throw new DomainError("FORBIDDEN", `Only platform admins may change ${what}`);
  return { userId: caller.userId, apiKeyId: null };
}

/** Whether the caller may change this platform data (see `requirePlatformWriter`), asked without refusing. */
export function isPlatformWriter(auth: AuthContext, scope: string): boolean {
  if (auth.kind === "service") return auth.scopes.includes(scope);
  return auth.kind === "user" && auth.platformRole === "ADMIN";
}
