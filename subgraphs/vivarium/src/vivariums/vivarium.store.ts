import { and, asc, eq, inArray, isNotNull, isNull, lt } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { vivariumMembers, vivariums } from "../db/schema.js";
import { isUniqueViolation } from "../db/errors.js";
import type { Tx } from "../db/tenancy.js";

export type VivariumRecord = typeof vivariums.$inferSelect;
export type NewVivariumRecord = typeof vivariums.$inferInsert;
export type VivariumFields = Partial<Pick<NewVivariumRecord, "name" | "slug" | "description" | "settings">>;
type Role = (typeof vivariumMembers.$inferSelect)["role"];

/** A vivarium as one viewer sees it: with the viewer's own role there, which decides what else they may see. */
export interface ViewedVivarium {
  vivarium: VivariumRecord;
  viewerRole: Role;
}

/** A vivarium as far as deciding what else its viewer may see of it: which one, and their role there. */
export interface SeenVivarium {
  id: string;
  viewerRole: Role;
}

const viewer = alias(vivariumMembers, "viewer");

/**
 * The only place that reads or writes `vivarium.vivariums`. Soft-deleted vivariums are never returned to a viewer
 * (row-level security hides them too). Reads join the viewer's own membership, so one statement answers both.
 */
export class VivariumStore {
  async findByIds(tx: Tx, viewerId: string, ids: readonly string[]): Promise<ViewedVivarium[]> {
    if (ids.length === 0) return [];
    return tx
      .select({ vivarium: vivariums, viewerRole: viewer.role })
      .from(vivariums)
      .innerJoin(viewer, and(eq(viewer.vivariumId, vivariums.id), eq(viewer.userId, viewerId)))
      .where(and(inArray(vivariums.id, [...ids]), isNull(vivariums.deletedAt)));
  }

  async findBySlug(tx: Tx, viewerId: string, slug: string): Promise<ViewedVivarium | undefined> {
    const [row] = await tx
      .select({ vivarium: vivariums, viewerRole: viewer.role })
      .from(vivariums)
      .innerJoin(viewer, and(eq(viewer.vivariumId, vivariums.id), eq(viewer.userId, viewerId)))
      .where(and(eq(vivariums.slug, slug), isNull(vivariums.deletedAt)));
    return row;
  }

  /** The vivariums each of the given users belongs to (as far as the viewer shares them), in one statement. */
  async findByMemberUserIds(tx: Tx, viewerId: string, userIds: readonly string[]): Promise<Array<ViewedVivarium & { userId: string }>> {
    if (userIds.length === 0) return [];
    return tx
      .select({ userId: vivariumMembers.userId, vivarium: vivariums, viewerRole: viewer.role })
      .from(vivariumMembers)
      .innerJoin(vivariums, eq(vivariums.id, vivariumMembers.vivariumId))
      .innerJoin(viewer, and(eq(viewer.vivariumId, vivariums.id), eq(viewer.userId, viewerId)))
      .where(and(inArray(vivariumMembers.userId, [...userIds]), isNull(vivariums.deletedAt)))
      .orderBy(asc(vivariums.name), asc(vivariums.id));
  }

  /**
   * Locks the vivarium's row for the rest of the transaction: changes to one vivarium's membership happen one at a
   * time, so a rule that counts its HERPETOLOGISTs counts what is committed.
   */
  async lock(tx: Tx, id: string): Promise<VivariumRecord | undefined> {
    const [row] = await tx
      .select()
      .from(vivariums)
      .where(and(eq(vivariums.id, id), isNull(vivariums.deletedAt)))
      .for("update");
    return row;
  }

  /** Inserts a vivarium; false when its slug is taken (in a savepoint, so the transaction goes on). */
  async insert(tx: Tx, record: NewVivariumRecord & { id: string }): Promise<boolean> {
    try {
      // No RETURNING: the creator can read the row only once they are its member.
      await tx.transaction((savepoint) => savepoint.insert(vivariums).values(record));
      return true;
    } catch (error) {
      if (isSlugTaken(error)) return false;
      throw error;
    }
  }

  /** Applies changes; false when the new slug is taken. */
  async update(tx: Tx, id: string, changes: VivariumFields & { ownerUserId?: string }): Promise<boolean> {
    try {
      await tx.transaction((savepoint) => savepoint.update(vivariums).set({ ...changes, updatedAt: new Date() }).where(eq(vivariums.id, id)));
      return true;
    } catch (error) {
      if (isSlugTaken(error)) return false;
      throw error;
    }
  }

  async softDelete(tx: Tx, id: string, at: Date): Promise<void> {
    await tx.update(vivariums).set({ deletedAt: at, isActive: false, updatedAt: at }).where(eq(vivariums.id, id));
  }

  /** Deletes vivariums deleted before `cutoff`, with everything that cascades from them; answers their ids. */
  async purgeDeletedBefore(tx: Tx, cutoff: Date): Promise<string[]> {
    const rows = await tx
      .delete(vivariums)
      .where(and(isNotNull(vivariums.deletedAt), lt(vivariums.deletedAt, cutoff)))
      .returning({ id: vivariums.id });
    return rows.map((row) => row.id);
  }

  /** The demo vivarium (`pnpm dev`); idempotent. */
  async insertIfAbsent(tx: Tx, record: NewVivariumRecord): Promise<void> {
    await tx.insert(vivariums).values(record).onConflictDoNothing();
  }
}

function isSlugTaken(error: unknown): boolean {
  return isUniqueViolation(error, "vivariums_slug_key");
}
