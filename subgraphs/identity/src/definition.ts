import { fileURLToPath } from "node:url";
import { defineSubgraph, demo } from "@repti/kit";
import { AccountResolver } from "./accounts/account.resolver.js";
import { ApiKeyResolver } from "./api-keys/api-key.resolver.js";
import { apiKeyScopes } from "./api-keys/api-key.scopes.js";
import type { IdentityProcessServices, IdentityServices } from "./context.js";
import { outbox, tables, type IdentityTables } from "./db/schema.js";
import { MfaResolver } from "./mfa/mfa.resolver.js";
import { oauthRoutes } from "./oauth/oauth.routes.js";
import { PasswordHasher } from "./passwords/password-hasher.js";
import { createIdentityServices } from "./services.js";
import { SessionResolver } from "./sessions/session.resolver.js";
import { UserStore } from "./users/user.store.js";
import { UserResolver, userReferenceResolver } from "./users/user.resolver.js";
import { wellKnownRoutes } from "./well-known/well-known.routes.js";

/** Password of the seeded demo accounts (`pnpm dev` only). */
export const demoPassword = "basking-spot-demo-password";

export const identitySubgraph = defineSubgraph<IdentityTables, IdentityProcessServices, IdentityServices>({
  name: "identity",
  defaultPort: 4001,
  tables,
  outboxTable: outbox,
  migrationsFolder: fileURLToPath(new URL("../../../migrations/identity", import.meta.url)),
  resolvers: [UserResolver, AccountResolver, SessionResolver, MfaResolver, ApiKeyResolver],
  referenceResolvers: userReferenceResolver,
  createServices: createIdentityServices,
  forRequest: (services) => ({ ...services, userLoader: services.users.createLoader() }),
  verifier: (services, { revocations }) => services.tokens.verifier(revocations),
  routes(app, services) {
    wellKnownRoutes(app, services.keys, { issuer: services.issuer, scopes: apiKeyScopes });
    oauthRoutes(app, services.oauth);
  },
  async startWorkers(deps, services) {
    await services.mailRelay.start();
    services.apiKeyUsage.start();
    const stopInvitationMail = services.invitationMail.follow(deps.bus);
    return () => {
      stopInvitationMail();
      return services.close();
    };
  },
  async seedDemoData({ db }) {
    const passwordHash = await new PasswordHasher().hash(demoPassword);
    const verified = new Date();
    await new UserStore(db).upsertMany([
      { id: demo.adminUserId, email: "admin@reptidex.dev", firstName: "Ada", lastName: "Admin", platformRole: "ADMIN", emailVerifiedAt: verified, passwordHash },
      { id: demo.keeperUserId, email: "keeper@reptidex.dev", firstName: "Kim", lastName: "Keeper", emailVerifiedAt: verified, passwordHash },
    ]);
  },
});
