import type DataLoader from "dataloader";
import { loaderOfGroups, type AuthContext } from "@repti/kit";
import type { MemberRecord, MemberStore } from "./member.store.js";

export type MembersLoader = DataLoader<string, MemberRecord[]>;

/** Reading who belongs to a vivarium and with which role. */
export class MemberService {
  constructor(private readonly store: MemberStore) {}

  /** All members of every vivarium a request touches, in one statement. */
  createLoader(): MembersLoader {
    return loaderOfGroups((vivariumIds) => this.store.findByVivariumIds(vivariumIds), (member) => [member.vivariumId, member]);
  }

  async members(vivariumId: string, loader: MembersLoader): Promise<MemberRecord[]> {
    return loader.load(vivariumId);
  }

  async roleOf(auth: AuthContext, vivariumId: string, loader: MembersLoader): Promise<MemberRecord["role"] | null> {
    if (auth.kind !== "user") return null;
    const members = await loader.load(vivariumId);
    return members.find((member) => member.userId === auth.userId)?.role ?? null;
  }
}
