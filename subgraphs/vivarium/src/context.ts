import type { RequestContext } from "@repti/kit";
import type { RoleAuditLoaders, RoleAuditService } from "./audit/role-audit.service.js";
import type { DirectoryService } from "./directory/directory.service.js";
import type { InvitationsLoader, InvitationService } from "./invitations/invitation.service.js";
import type { MemberService, MembersLoader } from "./members/member.service.js";
import type { PermissionService } from "./permissions/permission.service.js";
import type { RetentionPurge } from "./vivariums/retention.js";
import type { VivariumLoaders, VivariumService } from "./vivariums/vivarium.service.js";

export interface VivariumProcessServices {
  vivariums: VivariumService;
  members: MemberService;
  invitations: InvitationService;
  audit: RoleAuditService;
  permissions: PermissionService;
  directory: DirectoryService;
  retention: RetentionPurge;
}

/** Per request: loaders acting for the caller, so row-level security shows each only what the caller may see. */
export interface VivariumServices extends VivariumProcessServices {
  vivariumLoaders: VivariumLoaders;
  membersLoader: MembersLoader;
  invitationsLoader: InvitationsLoader;
  auditLoaders: RoleAuditLoaders;
}

export type VivariumContext = RequestContext<VivariumServices>;
