import { sql } from 'kysely';
import type { Executor } from '../../db/index';
import { tokenHash } from './passwords.server';

/**
 * A brake on password guessing, shared by every app process and kept across restarts: sign-in attempts that have not
 * succeeded are counted per account (the email as typed, any case, known or not) and per client address, in
 * `sign_in_throttle`, over a window that starts at the first failure. See docs/decisions/015-sign-in-and-session-expiry.md.
 *
 * An attempt is counted before the password is checked (`beginSignIn`) and handed back if it succeeds
 * (`signInSucceeded`): concurrent guesses cannot slip past the limit between the check and the count.
 */
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const SIGN_IN_LIMITS = { account: 10, address: 50 } as const;

type Scope = keyof typeof SIGN_IN_LIMITS;

export type SignInAttempt = { email: string; address: string | null };

/** Why an attempt is refused before its password is checked, and when to try again. */
export type SignInRefusal = { scope: Scope; retryAfterSeconds: number; message: string };

// Hashed, so the table keeps neither what people typed as an email (sometimes a password) nor their addresses.
function keyHash(scope: Scope, value: string): string {
  return tokenHash(`${scope}:${value}`);
}

function keysOf(attempt: SignInAttempt): { scope: Scope; hash: string }[] {
  const keys: { scope: Scope; hash: string }[] = [{ scope: 'account', hash: keyHash('account', attempt.email.trim().toLowerCase()) }];
  if (attempt.address) keys.push({ scope: 'address', hash: keyHash('address', attempt.address) });
  return keys;
}

function minutesText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** The refusal's words. The account's is the same whether or not the account exists. */
export function refusalMessage(scope: Scope, retryAfterSeconds: number): string {
  const wait = minutesText(retryAfterSeconds);
  return scope === 'account'
    ? `Too many failed sign-ins for this account. Try again in ${wait}.`
    : `Too many failed sign-ins from your network address. Try again in ${wait}.`;
}

/**
 * Counts an attempt against the account and the address (a window older than SIGN_IN_WINDOW_MS starts again), and
 * returns a refusal if either is now over its limit. Also prunes windows that have ended, so the table stays small.
 */
export async function beginSignIn(db: Executor, attempt: SignInAttempt, now = new Date()): Promise<SignInRefusal | null> {
  const windowStart = new Date(now.getTime() - SIGN_IN_WINDOW_MS);
  await pruneSignInThrottle(db, now);
  let refusal: SignInRefusal | null = null;
  for (const { scope, hash } of keysOf(attempt)) {
    // One statement per key: two processes counting the same key at once both land (the row lock orders them).
    const row = await db
      .insertInto('sign_in_throttle')
      .values({ scope, key_hash: hash, failures: 1, window_started_at: now })
      .onConflict((oc) =>
        oc.columns(['scope', 'key_hash']).doUpdateSet({
          failures: sql`case when sign_in_throttle.window_started_at <= ${windowStart} then 1 else sign_in_throttle.failures + 1 end`,
          window_started_at: sql`case when sign_in_throttle.window_started_at <= ${windowStart} then ${now} else sign_in_throttle.window_started_at end`,
        }),
      )
      .returning(['failures', 'window_started_at'])
      .executeTakeFirstOrThrow();
    if (row.failures > SIGN_IN_LIMITS[scope]) {
      const retryAfterSeconds = Math.max(1, Math.ceil((row.window_started_at.getTime() + SIGN_IN_WINDOW_MS - now.getTime()) / 1000));
      // The account's refusal first: it is the one the person at the keyboard can act on.
      if (!refusal || (scope === 'account' && refusal.scope !== 'account'))
        refusal = { scope, retryAfterSeconds, message: refusalMessage(scope, retryAfterSeconds) };
    }
  }
  return refusal;
}

/** A successful sign-in clears the account's failures and hands the address back the attempt it counted. */
export async function signInSucceeded(db: Executor, attempt: SignInAttempt): Promise<void> {
  const [account, address] = keysOf(attempt);
  await db.deleteFrom('sign_in_throttle').where('scope', '=', 'account').where('key_hash', '=', account.hash).execute();
  if (address) {
    await db
      .updateTable('sign_in_throttle')
      .set({ failures: sql`greatest(failures - 1, 0)` })
      .where('scope', '=', 'address')
      .where('key_hash', '=', address.hash)
      .execute();
  }
}

/** Deletes windows that have ended: the table holds at most one row per key that failed in the last window. */
export async function pruneSignInThrottle(db: Executor, now = new Date()): Promise<number> {
  const result = await db
    .deleteFrom('sign_in_throttle')
    .where('window_started_at', '<=', new Date(now.getTime() - SIGN_IN_WINDOW_MS))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
