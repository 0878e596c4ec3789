import { fileURLToPath } from "node:url";
import { demo, defineSubgraph } from "@repti/kit";
import { tables, outbox, type IdentityTables } from "./db/schema.js";
import type { IdentityServices } from "./context.js";
import { UserService } from "./users/user.service.js";
import { UserStore } from "./users/user.store.js";
import { UserResolver, userReferenceResolver } from "./users/user.resolver.js";

type ProcessServices = Omit<IdentityServices, "userLoader">;

export const identitySubgraph = defineSubgraph<IdentityTables, ProcessServices, IdentityServices>({
  name: "identity",
  defaultPort: 4001,
  tables,
  outboxTable: outbox,
  migrationsFolder: fileURLToPath(new URL("../../../migrations/identity", import.meta.url)),
  resolvers: [UserResolver],
  referenceResolvers: userReferenceResolver,
  createServices: ({ db, outbox }) => ({ users: new UserService(new UserStore(db), outbox) }),
  forRequest: (services) => ({ ...services, userLoader: services.users.createLoader() }),
  async seedDemoData({ db }) {
    await new UserStore(db).upsertMany([
      { id: demo.adminUserId, email: "admin@reptidex.dev", firstName: "Ada", lastName: "Admin", platformRole: "ADMIN", emailVerifiedAt: new Date() },
      { id: demo.keeperUserId, email: "keeper@reptidex.dev", firstName: "Kim", lastName: "Keeper", emailVerifiedAt: new Date() },
    ]);
  },
});
