import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import postgres from 'postgres';
import { send } from './load';
import { freePort } from '../scripts/free-port';

/** The servers the HTTP benchmarks start: the production app and the bare reference, each its own process group. */

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the app (`npm run build`) when build/ is missing or older than app/, so the production server serves today's code. */
export function ensureBuild(log: (line: string) => void): void {
  const serverBuild = path.resolve('build/server/index.js');
  if (fs.existsSync(serverBuild) && fs.statSync(serverBuild).mtimeMs >= newestMtime('app')) return;
  log('Building the app (npm run build)…');
  const result = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
}

/** Drops (when there) and creates a database on the server of `url`; returns the new database's URL. */
export async function recreateDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`a benchmark database must be named with letters, digits and _: got "${name}"`);
  target.pathname = '/postgres';
  const admin = postgres(target.toString(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
}

export type RunningServer = {
  name: string;
  url: string;
  pid: number;
  output: () => string;
  stop: () => Promise<void>;
};

/**
 * Starts a process in its own process group and waits until `GET /healthz` answers 200 (up to `timeoutMs`).
 * `stop` sends SIGTERM to the group (the process and its children: tsx and node), then SIGKILL after 10 s.
 */
export async function startServer(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  timeoutMs = 180_000,
): Promise<RunningServer> {
  const child: ChildProcess = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const running = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!running()) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (running()) process.kill(-child.pid!, 'SIGKILL');
  };
  const agent = new http.Agent({ keepAlive: false });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!running()) throw new Error(`${name} stopped while starting:\n${output}`);
    const reply = await send(agent, new URL('/healthz', url), { timeoutMs: 2000 }).catch(() => null);
    if (reply?.status === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not answer /healthz within ${timeoutMs / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { name, url, pid: child.pid!, output: () => output, stop };
}

/**
 * Starts the production app (`tsx server.ts`, after ensureBuild) on a PostgreSQL database. The environment is this
 * process's (so WEB_CONCURRENCY or DATABASE_POOL_SIZE given to the benchmark reach the app) with the database, a free
 * port on loopback, a session secret and NODE_ENV=production.
 */
export async function startApp(databaseUrl: string, log: (line: string) => void): Promise<RunningServer> {
  ensureBuild(log);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    SESSION_SECRET: process.env.SESSION_SECRET ?? crypto.randomBytes(32).toString('base64url'),
  };
  delete env.VITEST;
  // --profile DIR: node itself, with tsx as a loader, so its --cpu-prof reaches the server (and, through execArgv, its workers).
  const profile = process.env.BENCH_PROFILE_DIR;
  if (profile)
    return startServer('the Stocktake server', process.execPath, ['--cpu-prof', '--cpu-prof-dir', profile, '--import', 'tsx', 'server.ts'], env, port);
  return startServer('the Stocktake server', path.resolve('node_modules/.bin/tsx'), ['server.ts'], env, port);
}

/** Starts the bare reference (bench/reference-server.ts) on the same database. */
export async function startReference(databaseUrl: string): Promise<RunningServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, REFERENCE_DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' };
  return startServer('the reference server', path.resolve('node_modules/.bin/tsx'), ['bench/reference-server.ts'], env, port);
}

/** The resident memory (VmRSS) of a process and all its descendants, from /proc (Linux). */
export function processTreeMemory(rootPid: number): { rssBytes: number; processes: number } {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  let rssBytes = 0;
  let processes = 0;
  const queue = [rootPid];
  while (queue.length) {
    const pid = queue.shift()!;
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      rssBytes += kb * 1024;
      processes++;
    } catch {
      continue;
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return { rssBytes, processes };
}
