import { randomUUID } from "node:crypto";
import type DataLoader from "dataloader";
import { DomainError, isUuid, loaderByKey, loaderOfGroups, type AuthContext, type Outbox } from "@repti/kit";
import type { RoleAuditService } from "../audit/role-audit.service.js";
import type { Tenancy } from "../db/tenancy.js";
import type { MemberService } from "../members/member.service.js";
import { checkTransfer } from "../members/member.rules.js";
import type { MemberStore } from "../members/member.store.js";
import type { PermissionService } from "../permissions/permission.service.js";
import { actingUserOf, viewerOf } from "./callers.js";
import { checkSlug, slugCandidates, slugFromName } from "./slug.js";
import type { VivariumChanges } from "./vivarium-changes.js";
import { vivariumEvents } from "./vivarium.events.js";
import type { VivariumFields, VivariumStore, ViewedVivarium } from "./vivarium.store.js";

export interface VivariumLoaders {
  byId: DataLoader<string, ViewedVivarium | null>;
  byMemberUserId: DataLoader<string, ViewedVivarium[]>;
}

export interface VivariumInput {
  name?: string | null | undefined;
  slug?: string | null | undefined;
  description?: string | null | undefined;
  settings?: unknown;
}

const maxNameLength = 100;
const maxDescriptionLength = 1000;
const maxSettingsBytes = 16 * 1024;

function checkName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0) throw new DomainError("BAD_USER_INPUT", "Name the vivarium", { field: "name" });
  if (name.length > maxNameLength) throw new DomainError("BAD_USER_INPUT", `name is longer than ${maxNameLength} characters`, { field: "name" });
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new DomainError("BAD_USER_INPUT", "name contains control characters", { field: "name" });
  return name;
}

function checkDescription(raw: string | null): string | null {
  const description = raw?.trim() ?? "";
  if (description.length > maxDescriptionLength) {
    throw new DomainError("BAD_USER_INPUT", `description is longer than ${maxDescriptionLength} characters`, { field: "description" });
  }
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(description)) throw new DomainError("BAD_USER_INPUT", "description contains control characters", { field: "description" });
  return description === "" ? null : description;
}

/** Settings are the web app's: any JSON object of modest size. Null clears them. */
function checkSettings(raw: unknown): Record<string, unknown> {
  if (raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new DomainError("BAD_USER_INPUT", "settings must be a JSON object", { field: "settings" });
  if (Buffer.byteLength(JSON.stringify(raw)) > maxSettingsBytes) {
    throw new DomainError("BAD_USER_INPUT", `settings are larger than ${maxSettingsBytes} bytes`, { field: "settings" });
  }
  return raw as Record<string, unknown>;
}

/** The fields an update names, checked; absent fields stay as they are. */
function checkChanges(input: VivariumInput): VivariumFields {
  const changes: VivariumFields = {};
  if (input.name != null) changes.name = checkName(input.name);
  if (input.slug != null) changes.slug = checkSlug(input.slug);
  if (input.description !== undefined) changes.description = checkDescription(input.description);
  if (input.settings !== undefined) changes.settings = checkSettings(input.settings);
  return changes;
}

const slugTaken = () => new DomainError("CONFLICT", "This slug is taken", { field: "slug" });

/** Vivariums themselves: finding the caller's, creating, changing, deleting (softly) and handing them over. */
export class VivariumService {
  constructor(
    private readonly deps: {
      tenancy: Tenancy;
      store: VivariumStore;
      memberStore: MemberStore;
      members: MemberService;
      audit: RoleAuditService;
      changes: VivariumChanges;
      permissions: PermissionService;
      outbox: Outbox;
      retentionDays: number;
    },
  ) {}

  /** Per-request loaders acting for the viewer: row-level security shows them only their own vivariums. */
  createLoaders(viewerId: string | null): VivariumLoaders {
    const { tenancy, store } = this.deps;
    return {
      byId: loaderByKey(
        (ids: readonly string[]) => (viewerId ? tenancy.actingAs(viewerId, (tx) => store.findByIds(tx, viewerId, ids)) : Promise.resolve([])),
        (viewed: ViewedVivarium) => viewed.vivarium.id,
      ),
      byMemberUserId: loaderOfGroups(
        (userIds: readonly string[]) => (viewerId ? tenancy.actingAs(viewerId, (tx) => store.findByMemberUserIds(tx, viewerId, userIds)) : Promise.resolve([])),
        ({ userId, ...viewed }: ViewedVivarium & { userId: string }) => [userId, viewed],
      ),
    };
  }

  /**
   * A vivarium by exactly one of `id` and `slug`, when the caller is a member whose role may read it; null otherwise,
   * the same for one that does not exist, so nobody learns of a vivarium by guessing.
   */
  async find(auth: AuthContext, selector: { id?: string | null; slug?: string | null }, loaders: VivariumLoaders): Promise<ViewedVivarium | null> {
    const { id, slug } = selector;
    if ((id == null) === (slug == null)) throw new DomainError("BAD_USER_INPUT", "Give exactly one of `id` and `slug`");
    const viewerId = viewerOf(auth);
    let viewed: ViewedVivarium | null = null;
    if (id != null) viewed = isUuid(id) ? await loaders.byId.load(id) : null;
    else if (viewerId) viewed = (await this.deps.tenancy.actingAs(viewerId, (tx) => this.deps.store.findBySlug(tx, viewerId, slug!.trim().toLowerCase()))) ?? null;
    return viewed && (await this.readable([viewed])).length > 0 ? viewed : null;
  }

  /** The vivariums `userId` belongs to, as far as the caller shares them. */
  async forUser(userId: string, loaders: VivariumLoaders): Promise<ViewedVivarium[]> {
    return isUuid(userId) ? this.readable(await loaders.byMemberUserId.load(userId)) : [];
  }

  async create(auth: AuthContext, input: VivariumInput & { name: string }): Promise<ViewedVivarium> {
    const userId = actingUserOf(auth);
    const name = checkName(input.name);
    const explicitSlug = input.slug != null ? checkSlug(input.slug) : null;
    const description = checkDescription(input.description ?? null);
    const settings = input.settings === undefined ? {} : checkSettings(input.settings);
    const { tenancy, store, members, outbox } = this.deps;
    return tenancy.actingAs(userId, async (tx) => {
      const id = randomUUID();
      let slug: string | undefined;
      for (const candidate of explicitSlug ? [explicitSlug] : slugCandidates(slugFromName(name))) {
        if (await store.insert(tx, { id, name, slug: candidate, description, settings, ownerUserId: userId })) {
          slug = candidate;
          break;
        }
      }
      if (!slug) throw slugTaken();
      await members.join(tx, { vivariumId: id, userId, role: "HERPETOLOGIST", invitedByUserId: null, reason: null });
      await outbox.enqueue(tx, { type: vivariumEvents.created, aggregateId: id, payload: { vivariumId: id, name, slug, ownerUserId: userId } });
      const [created] = await store.findByIds(tx, userId, [id]);
      return created!;
    });
  }

  async update(auth: AuthContext, id: string, input: VivariumInput): Promise<ViewedVivarium> {
    const changes = checkChanges(input);
    return this.deps.changes.run(auth, id, async ({ tx, actor, matrix }) => {
      matrix.require(actor.role, "vivarium", "update", "change the vivarium");
      const changed = Object.keys(changes);
      if (changed.length > 0) {
        if (!(await this.deps.store.update(tx, id, changes))) throw slugTaken();
        await this.deps.outbox.enqueue(tx, { type: vivariumEvents.updated, aggregateId: id, payload: { vivariumId: id, changed, changedByUserId: actor.userId } });
      }
      const [updated] = await this.deps.store.findByIds(tx, actor.userId, [id]);
      return updated!;
    });
  }

  /**
   * A soft delete: from now on no request sees the vivarium, its members or its invitations; the data is kept for
   * the retention period, and the slug stays reserved until the purge, so old links never lead to a newcomer.
   */
  async delete(auth: AuthContext, id: string, now = new Date()): Promise<boolean> {
    return this.deps.changes.run(auth, id, async ({ tx, actor, matrix }) => {
      matrix.require(actor.role, "vivarium", "delete", "delete the vivarium");
      await this.deps.store.softDelete(tx, id, now);
      const purgeAfter = new Date(now.getTime() + this.deps.retentionDays * 86_400_000).toISOString();
      await this.deps.outbox.enqueue(tx, { type: vivariumEvents.deleted, aggregateId: id, payload: { vivariumId: id, deletedByUserId: actor.userId, purgeAfter } });
      return true;
    });
  }

  /**
   * Makes a member the owner, and a HERPETOLOGIST if they were not one. The previous owner stays a HERPETOLOGIST
   * (they may step down themselves); ownership is who is shown and billed, the role is what one may do.
   */
  async transfer(auth: AuthContext, id: string, userId: string): Promise<ViewedVivarium> {
    return this.deps.changes.run(auth, id, async ({ tx, vivarium, members, actor, matrix }) => {
      checkTransfer(matrix, actor);
      const target = members.find((member) => member.userId === userId);
      if (!target) throw new DomainError("NOT_FOUND", "Member not found");
      if (target.role !== "HERPETOLOGIST") {
        await this.deps.memberStore.updateRole(tx, target.id, "HERPETOLOGIST");
        await this.deps.audit.record(tx, { vivariumId: id, actorUserId: actor.userId, subjectUserId: userId, oldRole: target.role, newRole: "HERPETOLOGIST", reason: "ownership transferred" });
      }
      if (vivarium.ownerUserId !== userId) {
        await this.deps.store.update(tx, id, { ownerUserId: userId });
        await this.deps.outbox.enqueue(tx, {
          type: vivariumEvents.updated,
          aggregateId: id,
          payload: { vivariumId: id, changed: ["owner"], ownerUserId: userId, previousOwnerUserId: vivarium.ownerUserId, changedByUserId: actor.userId },
        });
      }
      const [transferred] = await this.deps.store.findByIds(tx, actor.userId, [id]);
      return transferred!;
    });
  }

  /** Those whose viewer's role may read the vivarium (every role, as seeded: the matrix decides). */
  private async readable(viewed: ViewedVivarium[]): Promise<ViewedVivarium[]> {
    const matrix = await this.deps.permissions.matrix();
    return viewed.filter((entry) => matrix.allows(entry.viewerRole, "vivarium", "read"));
  }
}
