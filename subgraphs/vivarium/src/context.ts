import type { RequestContext } from "@repti/kit";
import type { MemberService, MembersLoader } from "./members/member.service.js";
import type { PermissionService } from "./permissions/permission.service.js";
import type { VivariumLoaders, VivariumService } from "./vivariums/vivarium.service.js";

export interface VivariumProcessServices {
  vivariums: VivariumService;
  members: MemberService;
  permissions: PermissionService;
}

export interface VivariumServices extends VivariumProcessServices {
  vivariumLoaders: VivariumLoaders;
  membersLoader: MembersLoader;
}

export type VivariumContext = RequestContext<VivariumServices>;
