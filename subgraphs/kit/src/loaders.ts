import DataLoader from "dataloader";

/** A per-request loader that fetches many keys in one call and answers each key with its row or null. */
export function loaderByKey<K, V>(fetch: (keys: readonly K[]) => Promise<V[]>, keyOf: (row: V) => K): DataLoader<K, V | null> {
  return new DataLoader(async (keys: readonly K[]) => {
    const found = new Map((await fetch(keys)).map((row) => [keyOf(row), row]));
    return keys.map((key) => found.get(key) ?? null);
  });
}

/** A per-request loader that fetches many keys in one call and answers each key with all its rows (in order). */
export function loaderOfGroups<K, R, V>(fetch: (keys: readonly K[]) => Promise<R[]>, entryOf: (row: R) => [K, V]): DataLoader<K, V[]> {
  return new DataLoader(async (keys: readonly K[]) => {
    const groups = new Map<K, V[]>(keys.map((key) => [key, []]));
    for (const row of await fetch(keys)) {
      const [key, value] = entryOf(row);
      groups.get(key)?.push(value);
    }
    return keys.map((key) => groups.get(key) ?? []);
  });
}
