import type { Logger } from "./logger.js";

export interface NotifiedWorkerOptions {
  /** Shown in logs: which worker could not listen or failed a drain. */
  name: string;
  log: Logger;
  /** Fallback poll when a notification is missed (restart, dropped LISTEN connection). */
  pollMs: number;
  /** Subscribes to the notification that new work committed; returns how to unsubscribe. */
  listen(onNotify: () => void): Promise<() => Promise<void>>;
  /** One pass over the pending work; the worker logs what it throws and tries again at the next wake. */
  drain(): Promise<void>;
  /** While true, wakes are ignored (a worker backing off after failures). */
  paused?(): boolean;
}

/**
 * The loop behind the outbox and mail relays: a drain runs when a commit is announced (LISTEN/NOTIFY), on a
 * polling fallback, or when asked; wakes during a drain coalesce into one more drain right after it.
 */
export class NotifiedWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly options: NotifiedWorkerOptions) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => {
      if (!this.unlisten) void this.listen();
      this.wake();
    }, this.options.pollMs);
    await this.listen();
    this.wake();
  }

  /** While the database is unreachable, polling carries on alone and listening is retried at each poll. */
  private async listen(): Promise<void> {
    try {
      const unlisten = await this.options.listen(() => this.wake());
      if (this.stopped) await unlisten();
      else this.unlisten = unlisten;
    } catch (error) {
      this.options.log.warn({ err: error }, `${this.options.name} cannot LISTEN yet; polling until it can`);
    }
  }

  /** Runs a drain now, or once more right after the one in progress. */
  wake(): void {
    if (this.stopped || this.options.paused?.()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.options
      .drain()
      .catch((error: unknown) => this.options.log.error({ err: error }, `${this.options.name} failed; retrying on the next wake`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves when no drain is in progress (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.idle();
    await this.unlisten?.().catch(() => {});
  }
}
