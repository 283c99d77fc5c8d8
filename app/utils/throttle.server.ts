/** Counts failed logins per key in memory: a brake on password guessing for one process. */
const WINDOW_MS = 15 * 60 * 1000;
const failures = new Map<string, { count: number; since: number }>();

export function isThrottled(key: string, limit: number): boolean {
  const entry = failures.get(key);
  if (!entry) return false;
  if (Date.now() - entry.since > WINDOW_MS) {
    failures.delete(key);
    return false;
  }
  return entry.count >= limit;
}

export function recordFailure(key: string): void {
  const entry = failures.get(key);
  if (!entry || Date.now() - entry.since > WINDOW_MS) failures.set(key, { count: 1, since: Date.now() });
  else entry.count++;
  if (failures.size > 10_000) failures.delete(failures.keys().next().value!);
}

export function clearFailures(key: string): void {
  failures.delete(key);
}
