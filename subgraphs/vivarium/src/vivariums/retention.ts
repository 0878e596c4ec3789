import type { Logger } from "@repti/kit";
import type { Tenancy } from "../db/tenancy.js";
import type { VivariumStore } from "./vivarium.store.js";

const hourly = 3_600_000;

/**
 * Deletes for good the vivariums deleted more than the retention period ago, with their members, invitations and
 * role history (they cascade). Platform work, outside row-level security; every instance runs it, and a second
 * run finds nothing left to delete.
 */
export class RetentionPurge {
  constructor(private readonly deps: { tenancy: Tenancy; store: VivariumStore; retentionDays: number; log: Logger }) {}

  async purge(now = new Date()): Promise<string[]> {
    const cutoff = new Date(now.getTime() - this.deps.retentionDays * 86_400_000);
    const purged = await this.deps.tenancy.asPlatform((tx) => this.deps.store.purgeDeletedBefore(tx, cutoff));
    if (purged.length > 0) this.deps.log.info({ vivariumIds: purged }, "purged vivariums past their retention period");
    return purged;
  }

  /** Purges now and then every `everyMs` until the returned function is called. */
  start(everyMs = hourly): () => void {
    const run = () => void this.purge().catch((error: unknown) => this.deps.log.warn({ err: error }, "retention purge failed; trying again later"));
    run();
    const timer = setInterval(run, everyMs).unref();
    return () => clearInterval(timer);
  }
}
