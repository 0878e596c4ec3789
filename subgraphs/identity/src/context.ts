import type { RequestContext } from "@repti/kit";
import type { UserLoader, UserService } from "./users/user.service.js";

/** Process-wide services plus the per-request loaders. */
export interface IdentityServices {
  users: UserService;
  userLoader: UserLoader;
}

export type IdentityContext = RequestContext<IdentityServices>;
