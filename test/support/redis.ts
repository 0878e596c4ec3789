import { Redis } from "ioredis";

/**
 * Drops every Redis connection whose name starts with `prefix` (services name theirs after their bus prefix), as
 * a network blip or a Redis failover would, without touching the connections of test files running beside.
 * Answers how many it dropped.
 */
export async function dropRedisConnections(redisUrl: string, prefix: string): Promise<number> {
  const admin = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  try {
    const list = (await admin.client("LIST")) as string;
    const ids = list
      .split("\n")
      .map((line) => Object.fromEntries(line.split(" ").map((field) => field.split("=") as [string, string])))
      .filter((client) => client.name?.startsWith(prefix))
      .map((client) => client.id!);
    for (const id of ids) await admin.client("KILL", "ID", id);
    return ids.length;
  } finally {
    await admin.quit();
  }
}

/** Names of the live Redis connections under `prefix`. */
export async function redisConnectionNames(redisUrl: string, prefix: string): Promise<string[]> {
  const admin = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  try {
    const list = (await admin.client("LIST")) as string;
    return list
      .split("\n")
      .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? "")
      .filter((name) => name.startsWith(prefix));
  } finally {
    await admin.quit();
  }
}
