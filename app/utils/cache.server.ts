/**
 * The promise kept in `cache` for `key`, loading it on first use. A failed load is dropped, so the next call tries
 * again instead of repeating the failure for the life of the process.
 */
export function cachedPromise<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
  let cached = cache.get(key);
  if (!cached) {
    cached = load();
    cache.set(key, cached);
    cached.catch(() => cache.delete(key));
  }
  return cached;
}
