import { fileURLToPath } from "node:url";
import { demo, defineSubgraph } from "@repti/kit";
import { RoleChangeResolver, VivariumRoleAuditResolver } from "./audit/role-audit.resolver.js";
import type { VivariumProcessServices, VivariumServices } from "./context.js";
import { outbox, tables, type VivariumTables } from "./db/schema.js";
import { Tenancy } from "./db/tenancy.js";
import { DirectoryStore } from "./directory/directory.store.js";
import { InvitationResolver, VivariumInvitationsResolver } from "./invitations/invitation.resolver.js";
import { MemberResolver } from "./members/member.resolver.js";
import { MemberStore } from "./members/member.store.js";
import { PermissionResolver } from "./permissions/permission.resolver.js";
import { createVivariumServices } from "./services.js";
import { UserVivariumsResolver } from "./users/user.resolver.js";
import { viewerOf } from "./vivariums/callers.js";
import { VivariumResolver, vivariumReferenceResolver } from "./vivariums/vivarium.resolver.js";
import { VivariumStore } from "./vivariums/vivarium.store.js";

export const vivariumSubgraph = defineSubgraph<VivariumTables, VivariumProcessServices, VivariumServices>({
  name: "vivarium",
  defaultPort: 4002,
  tables,
  outboxTable: outbox,
  migrationsFolder: fileURLToPath(new URL("../../../migrations/vivarium", import.meta.url)),
  resolvers: [
    VivariumResolver,
    MemberResolver,
    InvitationResolver,
    VivariumInvitationsResolver,
    VivariumRoleAuditResolver,
    RoleChangeResolver,
    PermissionResolver,
    UserVivariumsResolver,
  ],
  referenceResolvers: vivariumReferenceResolver,
  createServices: createVivariumServices,
  forRequest: (services, auth) => {
    const viewerId = viewerOf(auth);
    return {
      ...services,
      vivariumLoaders: services.vivariums.createLoaders(viewerId),
      membersLoader: services.members.createLoader(viewerId),
      invitationsLoader: services.invitations.createLoader(viewerId),
      auditLoaders: services.audit.createLoaders(viewerId),
    };
  },
  async startWorkers({ bus }, services) {
    const stopWatching = await services.permissions.watch();
    const stopFollowing = services.directory.follow(bus);
    const stopPurging = services.retention.start();
    return async () => {
      stopPurging();
      stopFollowing();
      await stopWatching();
    };
  },
  async seedDemoData({ db }) {
    // The platform seeds: as the owner, outside row-level security.
    await new Tenancy(db).asPlatform(async (tx) => {
      await new VivariumStore().insertIfAbsent(tx, {
        id: demo.vivariumId,
        name: "Basking Spot",
        slug: demo.vivariumSlug,
        description: "Demo vivarium: ball pythons and leopard geckos",
        ownerUserId: demo.adminUserId,
      });
      // Distinct join times: one statement shares one now(), and members are listed longest-standing first.
      const ownerJoinedAt = new Date();
      await new MemberStore().insertIfAbsent(tx, [
        { vivariumId: demo.vivariumId, userId: demo.adminUserId, role: "HERPETOLOGIST", joinedAt: ownerJoinedAt },
        {
          vivariumId: demo.vivariumId,
          userId: demo.keeperUserId,
          role: "KEEPER",
          invitedByUserId: demo.adminUserId,
          joinedAt: new Date(ownerJoinedAt.getTime() + 1000),
        },
      ]);
      // identity seeds these accounts without events; the directory learns of them here.
      const directory = new DirectoryStore();
      await directory.upsert(tx, { userId: demo.adminUserId, email: demo.adminEmail, emailVerified: true });
      await directory.upsert(tx, { userId: demo.keeperUserId, email: demo.keeperEmail, emailVerified: true });
    });
  },
});
