/**
 * The Stocktake server: opens the database (embedded PGlite by default, PostgreSQL with DATABASE_URL), migrates,
 * publishes the questionnaires, seeds demo data on a new embedded database, then serves the Remix app.
 * `tsx server.ts` serves the production build; `tsx server.ts --dev` runs Vite in middleware mode.
 *
 * With a PostgreSQL server it runs several processes (node:cluster, WEB_CONCURRENCY, by default one per core): the
 * primary prepares the database once, then forks workers that only serve, sharing the port; a worker that dies is
 * replaced. Nothing a request relies on lives in one process only: sessions, sign-in throttling and API tokens are in
 * the database, and the in-process caches hold published questionnaire versions, which never change.
 */
import cluster, { type Worker } from 'node:cluster';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServerBuild } from '@remix-run/node';
import { prepareDatabase, StartupError } from './scripts/startup';
import { appProcesses, checkServingConfig, config, ConfigError } from './app/utils/config.server';
import { commonSecurityHeaders, STRICT_TRANSPORT_SECURITY } from './app/utils/security-headers.server';
import { requestOriginFrom, runWithRequestOrigin } from './app/utils/request-context.server';

const dev = process.argv.includes('--dev');
// Set, not only read: React, Remix and Express take the mode from process.env.NODE_ENV too.
process.env.NODE_ENV ??= dev ? 'development' : 'production';

async function main() {
  const startedAt = Date.now();
  const settings = config(); // a bad variable stops the start here, with a message naming it
  checkServingConfig(settings);
  if (cluster.isWorker) return serve({ startedAt, prepare: false });
  const processes = appProcesses(settings, { dev });
  if (processes.ignored) console.log(processes.ignored);
  if (processes.count > 1) return runPrimary(processes.count);
  return serve({ startedAt, prepare: true });
}

/**
 * The primary of several processes: prepares the database (migrations, questionnaires; the generated SESSION_SECRET,
 * if any, goes into process.env, which the workers inherit), then forks the workers and keeps their number.
 */
async function runPrimary(count: number) {
  const startedAt = Date.now();
  const { target, logins } = await prepareDatabase({ seedIfEmpty: true, log: (line) => console.log(line) });
  const { closeDatabase } = await import('./db/index');
  await closeDatabase(); // the primary serves nothing: its connections go back to the server
  checkBuild();

  let stopping = false;
  let announced = false;
  const listened = new Set<Worker>();
  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', () => {
      listened.add(worker);
      console.log(`Worker ${worker.process.pid} is serving.`);
      if (!announced && listened.size === count) {
        announced = true;
        console.log(
          `Stocktake is serving http://localhost:${config().PORT} (${target}, ${count} processes) — ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
        );
        if (logins) console.log(logins);
        console.log('Stop with Ctrl+C.');
      }
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (!listened.delete(worker)) {
      // It failed while starting (port in use, database away…): another would fail the same way.
      console.error(`Worker ${worker.process.pid} stopped while starting (${how}): stopping.`);
      void stop('startup failure', 1);
      return;
    }
    console.error(`Worker ${worker.process.pid} stopped (${how}): starting another.`);
    fork();
  });
  for (let i = 0; i < count; i++) fork();

  const stop = async (reason: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`${reason}: stopping the workers…`);
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
    const exited = Promise.all(workers.map((w) => (w.isDead() ? undefined : new Promise((resolve) => w.once('exit', resolve)))));
    for (const w of workers) w.process.kill('SIGTERM');
    const timer = setTimeout(() => workers.forEach((w) => w.isDead() || w.process.kill('SIGKILL')), 10_000);
    await exited;
    clearTimeout(timer);
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function checkBuild() {
  if (dev) return;
  const serverBuild = path.join(config().STOCKTAKE_BUILD_DIR, 'server/index.js');
  if (!fs.existsSync(serverBuild)) throw new StartupError('There is no production build: run `npm run build` first (npm start does this for you).');
}

/** One process that serves: the only one, or a worker (whose primary prepared the database). */
async function serve({ startedAt, prepare }: { startedAt: number; prepare: boolean }) {
  const settings = config();
  let target: string;
  let logins: string | null = null;
  if (prepare) {
    ({ target, logins } = await prepareDatabase({ seedIfEmpty: true, log: (line) => console.log(line) }));
  } else {
    const { openDatabase, resolveTarget, describeTarget } = await import('./db/index');
    await openDatabase(resolveTarget());
    target = describeTarget(resolveTarget());
  }
  checkBuild();

  const [{ default: express }, { createRequestHandler }, { default: compression }] = await Promise.all([
    import('express'),
    import('@remix-run/express'),
    import('compression'),
  ]);
  const app = express();
  app.disable('x-powered-by');
  // Only a trusted proxy may say the request came over HTTPS and from whom: req.protocol (hence Remix's request.url,
  // the Secure cookie and the Origin check) and req.ip (sign-in throttling per address) read X-Forwarded-Proto and
  // X-Forwarded-For only from the proxies TRUST_PROXY names; without it anyone could send them.
  app.set('trust proxy', settings.TRUST_PROXY);
  // Every response, static assets and downloads included; the document's CSP is app/entry.server.tsx's.
  app.use((req, res, next) => {
    res.set(commonSecurityHeaders);
    if (req.secure) res.set('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
    next();
  });
  app.use(compression());

  let build: ServerBuild | (() => Promise<ServerBuild>);
  if (dev) {
    const vite = await import('vite').then((v) => v.createServer({ server: { middlewareMode: true } }));
    app.use(vite.middlewares);
    build = () => vite.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild>;
  } else {
    const buildDir = settings.STOCKTAKE_BUILD_DIR;
    const serverBuild = path.join(buildDir, 'server/index.js');
    app.use('/assets', express.static(path.join(buildDir, 'client/assets'), { immutable: true, maxAge: '1y' }));
    app.use(express.static(path.join(buildDir, 'client'), { maxAge: '1h' }));
    build = (await import(pathToFileURL(serverBuild).href)) as ServerBuild;
  }
  // Each request to the app runs with its origin (client address, User-Agent) at hand, so every audit event it
  // records says where it came from, without a parameter through every model function (docs/decisions/022).
  app.use((req, res, next) => runWithRequestOrigin(requestOriginFrom({ clientAddress: req.ip, userAgent: req.get('User-Agent') }), next));
  app.all('*', createRequestHandler({ build, mode: settings.NODE_ENV, getLoadContext: (req) => ({ clientAddress: req.ip }) }));

  const { PORT: port, HOST: host } = settings;
  const server = app.listen(port, host, () => {
    if (cluster.isWorker) return; // the primary says when all are ready
    console.log(`Stocktake is serving http://localhost:${port} (${target}) — ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    if (logins) console.log(logins);
    console.log('Stop with Ctrl+C.');
  });
  server.on('error', async (error: NodeJS.ErrnoException) => {
    console.error(error.code === 'EADDRINUSE' ? `Port ${port} is already in use: set PORT to another port.` : error.message);
    if (cluster.isWorker) console.error(`(worker ${process.pid})`);
    const { closeDatabase } = await import('./db/index');
    await closeDatabase();
    process.exit(1);
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!cluster.isWorker) console.log(`${signal}: closing the server and the database…`);
    server.close();
    server.closeAllConnections?.();
    const { closeDatabase } = await import('./db/index');
    await closeDatabase();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch(async (error) => {
  console.error(error instanceof StartupError || error instanceof ConfigError ? error.message : error);
  const { closeDatabase } = await import('./db/index');
  await closeDatabase().catch(() => {});
  process.exit(1);
});
