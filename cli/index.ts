/**
 * Stocktake's command line for operators: `npm run cli -- <command> [options]`, `--help` on any command.
 * Errors go to stderr with a non-zero exit code; progress of long work goes to stderr too.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { closeDatabase, describeTarget, migrateToLatest, openDatabase, resolveTarget, DatabaseLockedError, type Executor } from '../db/index';
import { loadRegistry, publishRegistry, formatProblem, RegistryError } from '../app/models/registry.server';
import { createUserWithRole, findUserByEmail, refuseUser } from '../app/models/users.server';
import { DomainError } from '../app/models/errors.server';
import { createApiToken } from '../app/models/auth.server';
import { seedDemo, demoLogins } from '../db/seed/seed';
import { formatLogins } from '../db/seed/demo';
import { progressLine } from '../scripts/startup';
import { backupDataDir, restoreDataDir, BackupRefusedError } from '../db/backup';
import { checkTallies, recountTallies } from '../app/models/tallies.server';
import { compilability } from '../app/models/compiled-rules.server';
import { checkResponseStaffing, recountResponseStaffing } from '../app/models/aggregation/staffing.server';

class UsageError extends Error {}

type Command = {
  usage: string;
  summary: string;
  options?: Record<string, { type: 'string' | 'boolean'; description: string }>;
  run: (values: Record<string, string | boolean | undefined>) => Promise<void>;
};

const log = (line: string) => process.stderr.write(line + '\n');

async function withDatabase<T>(fn: (db: Executor) => Promise<T>): Promise<T> {
  const target = resolveTarget();
  log(`Database: ${describeTarget(target)}`);
  const db = await openDatabase(target);
  try {
    await migrateToLatest(db);
    return await fn(db);
  } finally {
    await closeDatabase();
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new UsageError('--password-stdin reads the password from standard input: pipe it in, e.g. `printf %s "$PASSWORD" | npm run cli -- user create …`');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const commands: Record<string, Command> = {
  'db migrate': {
    usage: 'db migrate',
    summary: 'Apply pending database migrations (also done at every start).',
    run: async () => {
      const target = resolveTarget();
      log(`Database: ${describeTarget(target)}`);
      const db = await openDatabase(target);
      try {
        const result = await migrateToLatest(db);
        const applied = result.results ?? [];
        console.log(applied.length ? `Applied: ${applied.map((r) => r.migrationName).join(', ')}` : 'The database is up to date.');
      } finally {
        await closeDatabase();
      }
    },
  },
  'db check': {
    usage: 'db check [--repair]',
    summary: 'Check the figures kept with the answers (answer tallies, staffing rows) against a count of the answers; --repair recounts them.',
    options: {
      repair: { type: 'boolean', description: 'recount the kept figures from the answers when they differ' },
    },
    run: async (values) => {
      await withDatabase(async (db) => {
        const tallies = await checkTallies(db);
        const staffing = await checkResponseStaffing(db);
        if (!tallies.length && !staffing.length) {
          console.log('The answer tallies and staffing rows match the answers.');
          return;
        }
        for (const t of tallies.slice(0, 20)) {
          console.log(
            `tally: round ${t.round_id} ${t.question} [${t.row_key}|${t.column_key}] = ${t.value} (${t.status}, ${t.team_type}): kept ${t.tallied}, counted ${t.counted}`,
          );
        }
        if (staffing.length)
          console.log(`staffing rows that differ from their answers: responses ${staffing.slice(0, 20).join(', ')}${staffing.length > 20 ? '…' : ''}`);
        if (!values.repair) throw new Error('The kept figures differ from the answers: run `npm run cli -- db check --repair` to recount them.');
        log('Recounting…');
        await recountTallies(db);
        await recountResponseStaffing(db);
        console.log('Recounted the answer tallies and staffing rows from the answers.');
      });
    },
  },
  'surveys check': {
    usage: 'surveys check',
    summary: 'Load every questionnaire version in surveys/ with survey-core and report every problem.',
    run: async () => {
      const registry = loadRegistry();
      if (registry.problems.length) {
        for (const problem of registry.problems) console.error(formatProblem(problem));
        throw new Error(`${registry.problems.length} problem${registry.problems.length === 1 ? '' : 's'} in surveys/`);
      }
      for (const q of registry.questionnaires) {
        console.log(`${q.slug}: ${q.versions.map((v) => `v${v.version} (${v.questions.length} questions)`).join(', ')}`);
        // Saves take compiled rules (decision 018) unless the version changes answers as conditions run.
        for (const v of q.versions) {
          const rules = compilability(v.definition, new Map(v.questions.map((question) => [question.name, question])));
          if (!rules.compiled) console.log(`  v${v.version}: saves are checked with the full survey model, as ${rules.reason}`);
        }
      }
      console.log(`surveys/ is valid: ${registry.questionnaires.length} questionnaires, ${registry.topics.length} topics.`);
    },
  },
  'surveys publish': {
    usage: 'surveys publish',
    summary: 'Publish new questionnaire versions to the database and record their hashes in surveys/published.lock.json.',
    run: async () => {
      const registry = loadRegistry();
      await withDatabase(async (db) => {
        const result = await publishRegistry(db, registry, { writeLockFile: true });
        console.log(result.published.length ? `Published: ${result.published.join(', ')}` : 'Nothing new to publish.');
      });
    },
  },
  'demo seed': {
    usage: 'demo seed',
    summary: 'Create the synthetic demo data (areas, teams, users, rounds and responses). Safe to run again.',
    run: async () => {
      await withDatabase(async (db) => {
        await publishRegistry(db, loadRegistry());
        await seedDemo(db, { progress: progressLine(log) });
        console.log(formatLogins(await demoLogins(db)));
      });
    },
  },
  'user create': {
    usage: 'user create --email <email> --name <name> --role admin|reviewer|manager|auditor [--area <area slug>] [--team <team slug>] [--password-stdin]',
    summary: 'Create a user with a role, or give an existing user another role. Reviewers and auditors without --area cover all of the authority.',
    options: {
      email: { type: 'string', description: 'the sign-in email address' },
      name: { type: 'string', description: 'the name shown in the app and in history' },
      role: { type: 'string', description: 'admin, reviewer, manager or auditor' },
      area: { type: 'string', description: 'reviewer of this area only (area slug)' },
      team: { type: 'string', description: 'manager of this team (team slug, required for managers)' },
      'password-stdin': { type: 'boolean', description: 'read the password from standard input (never from the command line)' },
    },
    run: async (values) => {
      const { email, name, role } = values;
      if (typeof email !== 'string' || typeof name !== 'string' || typeof role !== 'string') {
        throw new UsageError('--email, --name and --role are required');
      }
      if (!['admin', 'reviewer', 'manager', 'auditor'].includes(role)) throw new UsageError('--role must be admin, reviewer, manager or auditor');
      const password = values['password-stdin'] ? await readStdin() : null;
      await withDatabase(async (db) => {
        const user = await createUserWithRole(db, {
          email,
          name,
          role: role as 'admin' | 'reviewer' | 'manager' | 'auditor',
          password,
          areaSlug: values.area as string | undefined,
          teamSlug: values.team as string | undefined,
        });
        console.log(`User ${user.email} (id ${user.id}) has the role ${role}${password ? '' : ' (no password set: they cannot sign in until one is)'}.`);
      });
    },
  },
  'token create': {
    usage: 'token create <email> [--name <name>]',
    summary: 'Create an API token for a user. The token is printed alone on the last line; only its hash is stored.',
    options: { name: { type: 'string', description: 'what the token is for' } },
    run: async (values) => {
      const email = values._0;
      if (typeof email !== 'string') throw new UsageError("give the user's email: token create <email>");
      await withDatabase(async (db) => {
        const user = await findUserByEmail(db, email);
        if (!user || user.disabled_at) throw refuseUser(`no active user has the email ${email}`);
        const { token } = await createApiToken(db, user.id, typeof values.name === 'string' ? values.name : 'Command-line token');
        log(`Token for ${user.email} (keep it secret; revoke it on the profile page):`);
        console.log(token);
      });
    },
  },
  backup: {
    usage: 'backup <file>',
    summary: 'Write a backup of the embedded database (STOCKTAKE_DATA_DIR) to a file; the server must be stopped.',
    run: async (values) => {
      const file = values._0;
      if (typeof file !== 'string') throw new UsageError('give the file to write: backup <file>');
      const dataDir = embeddedDataDir('backup');
      log(`Backing up the embedded database in ${dataDir}…`);
      const { bytes } = await backupDataDir(dataDir, path.resolve(file));
      console.log(`Wrote ${file} (${Math.ceil(bytes / 1024)} KiB).`);
    },
  },
  restore: {
    usage: 'restore <file> [--force]',
    summary: 'Restore a backup into the embedded database folder (STOCKTAKE_DATA_DIR), which must be empty or new; the server must be stopped.',
    options: {
      force: { type: 'boolean', description: 'restore over a folder that is not empty, keeping it as <folder>.before-restore-<time>' },
    },
    run: async (values) => {
      const file = values._0;
      if (typeof file !== 'string') throw new UsageError('give the backup file: restore <file>');
      const dataDir = embeddedDataDir('restore');
      log(`Restoring ${file} into ${dataDir}…`);
      const { keptAs } = await restoreDataDir(path.resolve(file), dataDir, { force: Boolean(values.force) });
      if (keptAs) console.log(`The previous data folder is kept as ${keptAs}.`);
      console.log(`Restored ${file} into ${dataDir}. Migrations run at the next start; everyone signs in again (the session secret is not in a backup).`);
    },
  },
};

/** Backup and restore concern the embedded database; a server has PostgreSQL's own tools. */
function embeddedDataDir(command: 'backup' | 'restore'): string {
  const target = resolveTarget();
  if (target.kind !== 'embedded')
    throw new BackupRefusedError(
      command === 'backup'
        ? 'DATABASE_URL is set: back up a PostgreSQL server with its own tools, e.g. `pg_dump --format=custom --file=stocktake.dump "$DATABASE_URL"` (README, "Running on PostgreSQL").'
        : 'DATABASE_URL is set: restore a PostgreSQL server with its own tools, e.g. `pg_restore --dbname="$DATABASE_URL" stocktake.dump` into an empty database (README, "Running on PostgreSQL").',
    );
  return target.dataDir;
}

function helpFor(name: string, command: Command): string {
  const lines = [`Usage: npm run cli -- ${command.usage}`, '', command.summary];
  if (command.options) {
    lines.push('', 'Options:');
    for (const [option, spec] of Object.entries(command.options)) lines.push(`  --${option.padEnd(16)} ${spec.description}`);
  }
  lines.push(`  --${'help'.padEnd(16)} show this help`);
  void name;
  return lines.join('\n');
}

function overview(): string {
  return [
    'Usage: npm run cli -- <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(16)} ${c.summary}`),
    '',
    'Add --help to any command for its options. The database is DATABASE_URL, or the embedded one in STOCKTAKE_DATA_DIR (./data).',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  // Commands are one word (`backup`) or two (`db migrate`); what follows are the command's own arguments.
  const nameLength = commands[words.slice(0, 2).join(' ')] ? 2 : 1;
  const name = words.slice(0, nameLength).join(' ');
  const command = commands[name];
  if (!command) {
    if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
      console.log(overview());
      return 0;
    }
    console.error(`Unknown command "${argv.join(' ')}".\n\n${overview()}`);
    return 2;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpFor(name, command));
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(command.options ?? {}).map(([k, v]) => [k, { type: v.type }])),
      allowPositionals: true,
      strict: true,
    });
    const extra = positionals.slice(nameLength);
    const args: Record<string, string | boolean | undefined> = { ...(values as Record<string, string | boolean>) };
    extra.forEach((value, index) => (args[`_${index}`] = value));
    await command.run(args);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(error as Error).message}\n\n${helpFor(name, command)}`);
      return 2;
    }
    if (error instanceof RegistryError) {
      for (const problem of error.problems) console.error(formatProblem(problem));
      return 1;
    }
    if (error instanceof DomainError || error instanceof DatabaseLockedError || error instanceof BackupRefusedError) {
      console.error(`Error: ${error.message}`);
      return 1;
    }
    console.error(`Error: ${(error as Error).message}`);
    return 1;
  }
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isEntry) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
