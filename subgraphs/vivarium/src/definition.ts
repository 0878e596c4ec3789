import { fileURLToPath } from "node:url";
import { demo, defineSubgraph } from "@repti/kit";
import { outbox, tables, type VivariumTables } from "./db/schema.js";
import type { VivariumProcessServices, VivariumServices } from "./context.js";
import { MemberResolver } from "./members/member.resolver.js";
import { MemberService } from "./members/member.service.js";
import { MemberStore } from "./members/member.store.js";
import { PermissionResolver } from "./permissions/permission.resolver.js";
import { PermissionService } from "./permissions/permission.service.js";
import { PermissionStore } from "./permissions/permission.store.js";
import { UserVivariumsResolver } from "./users/user.resolver.js";
import { VivariumResolver, vivariumReferenceResolver } from "./vivariums/vivarium.resolver.js";
import { VivariumService } from "./vivariums/vivarium.service.js";
import { VivariumStore } from "./vivariums/vivarium.store.js";

export const vivariumSubgraph = defineSubgraph<VivariumTables, VivariumProcessServices, VivariumServices>({
  name: "vivarium",
  defaultPort: 4002,
  tables,
  outboxTable: outbox,
  migrationsFolder: fileURLToPath(new URL("../../../migrations/vivarium", import.meta.url)),
  resolvers: [VivariumResolver, MemberResolver, PermissionResolver, UserVivariumsResolver],
  referenceResolvers: vivariumReferenceResolver,
  createServices: ({ db }) => ({
    vivariums: new VivariumService(new VivariumStore(db)),
    members: new MemberService(new MemberStore(db)),
    permissions: new PermissionService(new PermissionStore(db)),
  }),
  forRequest: (services) => ({
    ...services,
    vivariumLoaders: services.vivariums.createLoaders(),
    membersLoader: services.members.createLoader(),
  }),
  async seedDemoData({ db }) {
    await new VivariumStore(db).insertIfAbsent({
      id: demo.vivariumId,
      name: "Basking Spot",
      slug: demo.vivariumSlug,
      description: "Demo vivarium: ball pythons and leopard geckos",
      ownerUserId: demo.adminUserId,
    });
    await new MemberStore(db).insertIfAbsent([
      { vivariumId: demo.vivariumId, userId: demo.adminUserId, role: "HERPETOLOGIST" },
      { vivariumId: demo.vivariumId, userId: demo.keeperUserId, role: "KEEPER", invitedByUserId: demo.adminUserId },
    ]);
  },
});
