import type { Logger } from "@repti/kit";
import { PermissionMatrix, type RoleDefinitionRecord } from "./permission-matrix.js";
import type { PermissionStore } from "./permission.store.js";

/**
 * The permission matrix, cached in memory: every check of this subgraph (and `can` for other services) reads it
 * here. A change to the table drops the cache in every instance (NOTIFY from the table's trigger), so the next
 * check reads the table again.
 */
export class PermissionService {
  private cached: Promise<PermissionMatrix> | undefined;

  constructor(
    private readonly store: PermissionStore,
    private readonly log: Logger,
  ) {}

  matrix(): Promise<PermissionMatrix> {
    this.cached ??= this.store.all().then(
      (rows) => new PermissionMatrix(rows),
      (error: unknown) => {
        this.cached = undefined;
        throw error;
      },
    );
    return this.cached;
  }

  /** Follows changes to the table until the returned function is called. */
  async watch(): Promise<() => Promise<void>> {
    return this.store.onChange(() => {
      this.cached = undefined;
      this.log.debug("permission matrix changed; reloading on next use");
    });
  }

  async roleDefinitions(): Promise<RoleDefinitionRecord[]> {
    return (await this.matrix()).definitions();
  }
}
