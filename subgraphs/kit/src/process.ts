import { ConfigError } from "./config.js";

interface Stoppable {
  stop(): Promise<void>;
}

/** How long a stop may take before the process exits anyway. */
const stopTimeoutMs = 15_000;

/**
 * Entry point of a long-running process: starts the service, and on SIGTERM/SIGINT stops it (stop accepting,
 * finish in-flight requests, close pools) before exiting. A configuration error ends the process at once
 * with its message and nothing else.
 */
export async function runAsProcess(name: string, start: () => Promise<Stoppable>): Promise<void> {
  let service: Stoppable;
  try {
    service = await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
    } else {
      process.stderr.write(`${name}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => {
      process.stderr.write(`${name}: did not stop within ${stopTimeoutMs} ms after ${signal}; exiting\n`);
      process.exit(1);
    }, stopTimeoutMs);
    timer.unref();
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${name}: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
