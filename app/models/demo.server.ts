import type { Executor } from '../../db/index';
import { DEMO_EMAIL_DOMAIN } from '../../db/seed/demo';

let cached: { value: boolean; at: number } | undefined;

/** Whether this installation holds the synthetic demo data (so every page says so). Checked at most once a minute. */
export async function isDemoInstallation(db: Executor): Promise<boolean> {
  if (cached && Date.now() - cached.at < 60_000) return cached.value;
  const row = await db.selectFrom('users').select('id').where('email', 'like', `%@${DEMO_EMAIL_DOMAIN}`).executeTakeFirst();
  cached = { value: Boolean(row), at: Date.now() };
  return cached.value;
}
