import type DataLoader from "dataloader";
import { DomainError, isUuid, loaderByKey, loaderOfGroups } from "@repti/kit";
import type { VivariumRecord, VivariumStore } from "./vivarium.store.js";

export interface VivariumLoaders {
  byId: DataLoader<string, VivariumRecord | null>;
  byMemberUserId: DataLoader<string, VivariumRecord[]>;
}

/** Finding vivariums. Membership rules and tenant isolation arrive with the members and RLS slices. */
export class VivariumService {
  constructor(private readonly store: VivariumStore) {}

  createLoaders(): VivariumLoaders {
    return {
      byId: loaderByKey((ids) => this.store.findByIds(ids), (vivarium) => vivarium.id),
      byMemberUserId: loaderOfGroups((userIds) => this.store.findByMemberUserIds(userIds), (row) => [row.userId, row.vivarium]),
    };
  }

  /** Exactly one of `id` and `slug` names the vivarium. */
  async find(selector: { id?: string | null; slug?: string | null }, loaders: VivariumLoaders): Promise<VivariumRecord | null> {
    const { id, slug } = selector;
    if ((id == null) === (slug == null)) throw new DomainError("BAD_USER_INPUT", "Give exactly one of `id` and `slug`");
    if (id != null) return isUuid(id) ? loaders.byId.load(id) : null;
    return (await this.store.findBySlug(slug!)) ?? null;
  }

  async forUser(userId: string, loaders: VivariumLoaders): Promise<VivariumRecord[]> {
    return isUuid(userId) ? loaders.byMemberUserId.load(userId) : [];
  }
}
