import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseLockedError, describeTarget, migrateToLatest, openDatabase, resolveTarget, type Executor } from '../db/index';
import { formatLogins, isSeeded, DEMO_EMAIL_DOMAIN } from '../db/seed/demo';
import { loadRegistry, publishRegistry, RegistryError, formatProblem } from '../app/models/registry.server';
import { demoLogins, seedDemo } from '../db/seed/seed';
import { config, useSessionSecret } from '../app/utils/config.server';

/** A failure with a message meant for the operator: printed without a stack trace. */
export class StartupError extends Error {}

/**
 * SESSION_SECRET signs the session cookie. In embedded mode it is generated once and kept in the data folder;
 * with a server database it must be set in production (several app processes must share it: checkServingConfig).
 */
export function ensureSessionSecret(target: ReturnType<typeof resolveTarget>, log: (line: string) => void): void {
  if (config().SESSION_SECRET) return;
  if (target.kind === 'embedded') {
    const file = path.join(target.dataDir, 'session-secret');
    if (!fs.existsSync(file)) fs.writeFileSync(file, crypto.randomBytes(32).toString('base64url') + '\n', { mode: 0o600 });
    useSessionSecret(fs.readFileSync(file, 'utf8').trim());
    return;
  }
  log('SESSION_SECRET is not set: using a random one for this process (sessions end when it stops).');
  useSessionSecret(crypto.randomBytes(32).toString('base64url'));
}

export async function publishSurveys(db: Executor, log: (line: string) => void): Promise<void> {
  const registry = loadRegistry();
  try {
    const result = await publishRegistry(db, registry);
    if (result.published.length) log(`Published questionnaire versions: ${result.published.join(', ')}`);
  } catch (error) {
    if (error instanceof RegistryError) {
      throw new StartupError(`The questionnaires in surveys/ cannot be published:\n${error.problems.map((p) => '  ' + formatProblem(p)).join('\n')}`);
    }
    throw error;
  }
}

/** Opens and migrates the database, publishes questionnaires and seeds a new embedded database with demo data. */
export async function prepareDatabase(options: { seedIfEmpty: boolean; log: (line: string) => void }) {
  const target = resolveTarget();
  let db: Executor;
  try {
    db = await openDatabase(target);
  } catch (error) {
    if (error instanceof DatabaseLockedError) throw new StartupError(error.message);
    throw error;
  }
  ensureSessionSecret(target, options.log);
  const migrated = await migrateToLatest(db);
  if (migrated.results?.length) options.log(`Applied migrations: ${migrated.results.map((r) => r.migrationName).join(', ')}`);
  await publishSurveys(db, options.log);
  if (options.seedIfEmpty && target.kind === 'embedded' && !(await isSeeded(db))) {
    options.log('New embedded database: creating synthetic demo data (a made-up Kent)…');
    await seedDemo(db, { progress: progressLine(options.log) });
  }
  const hasDemo = await db.selectFrom('users').select('id').where('email', 'like', `%@${DEMO_EMAIL_DOMAIN}`).executeTakeFirst();
  return { db, target: describeTarget(target), logins: hasDemo ? formatLogins(await demoLogins(db)) : null };
}

/** Progress on one terminal line (stderr), so long work shows it is moving. */
export function progressLine(log: (line: string) => void) {
  let lastLabel = '';
  let lastDraw = 0;
  return (done: number, total: number, label: string) => {
    const now = Date.now();
    if (label !== lastLabel || done === total || now - lastDraw > 100) {
      const width = 24;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      const line = `  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`;
      if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
      if (done === total) {
        if (process.stderr.isTTY) process.stderr.write('\n');
        else log(line);
      }
      lastLabel = label;
      lastDraw = now;
    }
  };
}
