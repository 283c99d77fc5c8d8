import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { DatabaseTarget, Executor } from '../../db/index';
import { freePort } from '../../scripts/free-port';

/**
 * Browser tests: a real server (the production build) on a temporary database seeded with the demo data, driven by
 * Debian's Chromium through playwright-core. Skipped, with the reason printed, where Chromium is not installed;
 * CI installs it so they always run there.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);
export const skipReason = `Browser tests skipped: no Chromium at ${CHROMIUM} (install Debian's package: apt-get install -y chromium).`;
export const DEMO_PASSWORD = 'stocktake-demo';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds the app when the build is missing or older than the code. Called once per run from the global setup (two
 * browser-test files building at once would overwrite each other); CI has built already.
 */
function withBuildLock<T>(fn: () => T): T {
  // Several test runs in one working tree must not build at once (Vite empties build/ first): a lock file.
  fs.mkdirSync('.cache', { recursive: true });
  const lock = path.resolve('.cache/build.lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 180_000) fs.rmSync(lock, { force: true }); // left by a run that died
      if (Date.now() > deadline) throw new Error('Waited 3 minutes for another test run to finish building.');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

const serverBuild = path.resolve('build/server/index.js');
const isStale = () => !fs.existsSync(serverBuild) || fs.statSync(serverBuild).mtimeMs < Math.max(newestMtime('app'), fs.statSync('vite.config.ts').mtimeMs);

export function ensureBuild(): void {
  if (!isStale()) return;
  withBuildLock(() => {
    if (!isStale()) return; // another run built it while this one waited
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' }; // Vitest sets 'test': React's development build otherwise
    delete env.VITEST; // vite.config.ts leaves the Remix plugin out under Vitest
    const result = spawnSync('npx', ['remix', 'vite:build'], { stdio: 'pipe', encoding: 'utf8', env });
    if (result.status !== 0) throw new Error(`The build failed:\n${result.stdout}\n${result.stderr}`);
  });
}

/**
 * A private copy of the build for one test server, so a rebuild by another run cannot pull assets from under it.
 * Kept inside the project (.cache/) so the copy still resolves node_modules.
 */
function snapshotBuild(): string {
  ensureBuild();
  const target = path.resolve('.cache/e2e-builds', crypto.randomBytes(4).toString('hex'));
  withBuildLock(() => fs.cpSync(path.resolve('build'), target, { recursive: true }));
  return target;
}

export type TestServer = {
  url: string;
  dataDir: string;
  databaseUrl: string | null;
  stop: () => Promise<void>;
  output: () => string;
  /** Ends the app process with a signal (SIGKILL: no chance to close anything) and waits for it to go; the database stays. */
  kill: (signal: NodeJS.Signals) => Promise<void>;
  /** Starts the app again on the same database and port, after `kill`. */
  restart: () => Promise<void>;
};

/** A new, empty database on the PostgreSQL server named by TEST_DATABASE_URL, for test servers; `drop` removes it. */
export async function createServerDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const { default: postgres } = await import('postgres');
  const name = `stocktake_test_e2e_${crypto.randomBytes(4).toString('hex')}`;
  const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export type ServerOptions = {
  /** PostgreSQL only: run on this database (not dropped at `stop`) instead of a new one. */
  databaseUrl?: string;
  /** Seed the demo data before starting (default); false starts on the database as it is. */
  seed?: boolean;
  /**
   * A test's own setup, run through the model functions on the server's migrated database before the server starts
   * (after the demo seed on PostgreSQL): publish a fixture questionnaire, open a round. An embedded database that
   * holds teams after it is not given the demo data.
   */
  prepare?: (db: Executor) => Promise<void>;
};

/** Runs `prepare` on the database the server will open, then lets it go (an embedded folder takes one process at a time). */
async function prepareServerDatabase(target: DatabaseTarget, prepare: (db: Executor) => Promise<void>) {
  const { connect, migrateToLatest } = await import('../../db/index');
  const opened = await connect(target);
  try {
    await migrateToLatest(opened.db);
    await prepare(opened.db);
  } finally {
    await opened.close();
  }
}

/**
 * Starts the app on a fresh database with the demo data: embedded in a temporary folder, or a new database on the
 * PostgreSQL server when TEST_DATABASE_URL is set. `settings` adds configuration variables (TRUST_PROXY, say);
 * `options` start it on a given database, or without the seed (two app processes on one server), or after a setup of
 * the test's own.
 */
export async function startServer(settings: Record<string, string> = {}, options: ServerOptions = {}): Promise<TestServer> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-e2e-'));
  const buildDir = snapshotBuild();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    STOCKTAKE_DATA_DIR: path.join(dataDir, 'data'),
    STOCKTAKE_BUILD_DIR: buildDir,
    NODE_ENV: 'production',
    // One app process, as the tests that kill and restart it expect; tests/web-concurrency.test.ts runs several.
    WEB_CONCURRENCY: '1',
    ...settings,
  };
  delete env.DATABASE_URL;
  delete env.VITEST;
  let databaseUrl: string | null = null;
  let dropDatabase = async () => {};
  if (process.env.TEST_DATABASE_URL) {
    if (options.databaseUrl) databaseUrl = options.databaseUrl;
    else ({ url: databaseUrl, drop: dropDatabase } = await createServerDatabase());
    env.DATABASE_URL = databaseUrl;
    env.SESSION_SECRET = settings.SESSION_SECRET ?? crypto.randomBytes(32).toString('base64url');
    if (options.seed !== false) {
      const seeded = spawnSync('npx', ['tsx', 'cli/index.ts', 'demo', 'seed'], { env, encoding: 'utf8' });
      if (seeded.status !== 0) throw new Error(`demo seed failed: ${seeded.stderr}`);
    }
  }
  if (options.prepare) {
    await prepareServerDatabase(databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'embedded', dataDir: env.STOCKTAKE_DATA_DIR! }, options.prepare);
  }
  let output = '';
  let child: ChildProcess;
  const url = `http://127.0.0.1:${port}`;
  const running = () => child.exitCode === null && child.signalCode === null; // ended by a signal: signalCode set
  const launch = async () => {
    child = spawn('npx', ['tsx', 'server.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const from = output.length;
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (!running()) throw new Error(`The server stopped while starting:\n${output}`);
      if (/Stocktake is serving/.test(output.slice(from))) break;
      if (Date.now() > deadline) {
        process.kill(-child.pid!, 'SIGKILL'); // else it goes on starting, and loads the machine, after the test has failed
        throw new Error(`The server did not start within 120 s:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const kill = async (signal: NodeJS.Signals) => {
    if (!running()) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, signal); // the whole group: npx, tsx and node
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (running()) process.kill(-child.pid!, 'SIGKILL');
  };
  await launch();
  return {
    url,
    dataDir,
    databaseUrl,
    output: () => output,
    kill,
    restart: launch,
    stop: async () => {
      await kill('SIGTERM');
      await dropDatabase();
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(buildDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function signIn(page: Page, baseUrl: string, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.getByRole('button', { name: 'Sign in' }).click()]);
}

export async function signOut(page: Page): Promise<void> {
  await Promise.all([page.waitForURL(/\/login/), page.getByRole('button', { name: 'Sign out' }).click()]);
}

/** A screenshot kept for review (screenshots/ is where the reviewed pictures live). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.STOCKTAKE_SCREENSHOTS) return;
  const dir = path.resolve(process.env.STOCKTAKE_SCREENSHOTS);
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
