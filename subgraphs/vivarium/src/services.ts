import type { SubgraphDeps } from "@repti/kit";
import { RoleAuditService } from "./audit/role-audit.service.js";
import { RoleAuditStore } from "./audit/role-audit.store.js";
import type { VivariumProcessServices } from "./context.js";
import type { VivariumTables } from "./db/schema.js";
import { Tenancy } from "./db/tenancy.js";
import { DirectoryService } from "./directory/directory.service.js";
import { DirectoryStore } from "./directory/directory.store.js";
import { InvitationService } from "./invitations/invitation.service.js";
import { InvitationStore } from "./invitations/invitation.store.js";
import { MemberService } from "./members/member.service.js";
import { MemberStore } from "./members/member.store.js";
import { PermissionService } from "./permissions/permission.service.js";
import { PermissionStore } from "./permissions/permission.store.js";
import { loadVivariumSettings } from "./settings.js";
import { RetentionPurge } from "./vivariums/retention.js";
import { VivariumChanges } from "./vivariums/vivarium-changes.js";
import { VivariumService } from "./vivariums/vivarium.service.js";
import { VivariumStore } from "./vivariums/vivarium.store.js";

/** Wires vivarium's slices: one place that reads its settings and builds every service. */
export function createVivariumServices(deps: SubgraphDeps<VivariumTables>): VivariumProcessServices {
  const { db, requestDb, outbox, log } = deps;
  const settings = loadVivariumSettings(deps.env);
  const tenancy = new Tenancy(db, requestDb);
  const vivariumStore = new VivariumStore();
  const memberStore = new MemberStore();
  const directoryStore = new DirectoryStore();
  const permissions = new PermissionService(new PermissionStore(db), log);
  const changes = new VivariumChanges({ tenancy, vivariums: vivariumStore, members: memberStore, permissions });
  const audit = new RoleAuditService({ store: new RoleAuditStore(), outbox, tenancy, permissions });
  const members = new MemberService({ tenancy, store: memberStore, vivariums: vivariumStore, directory: directoryStore, audit, changes, permissions, outbox });
  return {
    vivariums: new VivariumService({
      tenancy,
      store: vivariumStore,
      memberStore,
      members,
      audit,
      changes,
      permissions,
      outbox,
      retentionDays: settings.VIVARIUM_RETENTION_DAYS,
    }),
    members,
    invitations: new InvitationService({
      tenancy,
      store: new InvitationStore(),
      members,
      memberStore,
      vivariums: vivariumStore,
      directory: directoryStore,
      changes,
      permissions,
      outbox,
      ttlHours: settings.VIVARIUM_INVITATION_TTL_HOURS,
    }),
    audit,
    permissions,
    directory: new DirectoryService({ tenancy, store: directoryStore, members, log }),
    retention: new RetentionPurge({ tenancy, store: vivariumStore, retentionDays: settings.VIVARIUM_RETENTION_DAYS, log }),
  };
}
