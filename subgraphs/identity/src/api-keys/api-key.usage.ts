import type { Logger } from "@repti/kit";

export interface UsageSink {
  markUsed(ids: readonly string[], at: Date): Promise<void>;
}

/**
 * Records when keys were last used without a write per use: ids collect in memory and one UPDATE every
 * `flushMs` (and at stop) stamps them all. `last_used_at` is therefore accurate to a few seconds, and a crash
 * loses at most the last interval's stamps.
 */
export class ApiKeyUsage {
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: UsageSink,
    private readonly log: Logger,
    private readonly flushMs = 2_000,
  ) {}

  record(keyId: string): void {
    this.pending.add(keyId);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs).unref();
  }

  /** Writes what was recorded so far; a failed write keeps the ids for the next flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const ids = [...this.pending];
      this.pending = new Set();
      try {
        await this.sink.markUsed(ids, new Date());
      } catch (error) {
        for (const id of ids) this.pending.add(id);
        this.log.warn({ err: error, keys: ids.length }, "could not record API key use; will retry");
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
