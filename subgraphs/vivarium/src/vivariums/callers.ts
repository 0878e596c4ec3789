import { DomainError, type AuthContext } from "@repti/kit";

/**
 * Whom a read acts for: a signed-in user. API keys and anonymous callers see no vivarium (services ask `can`
 * instead), which row-level security enforces by acting for nobody.
 */
export function viewerOf(auth: AuthContext): string | null {
  return auth.kind === "user" ? auth.userId : null;
}

/** Who makes a change: signed-in users only. */
export function actingUserOf(auth: AuthContext): string {
  if (auth.kind === "anonymous") throw new DomainError("UNAUTHENTICATED", "Sign in first");
  if (auth.kind === "service") throw new DomainError("FORBIDDEN", "API keys do not change vivariums; sign in as a member");
  return auth.userId;
}

/** The same answer for a vivarium that does not exist and one the caller may not see: existence is not leaked. */
export const vivariumNotFound = () => new DomainError("NOT_FOUND", "Vivarium not found");
