/**
 * The Stocktake server: opens the database (embedded PGlite by default, PostgreSQL with DATABASE_URL), migrates,
 * publishes the questionnaires, seeds demo data on a new embedded database, then serves the Remix app.
 * `tsx server.ts` serves the production build; `tsx server.ts --dev` runs Vite in middleware mode.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServerBuild } from '@remix-run/node';
import { prepareDatabase, StartupError } from './scripts/startup';
import { checkServingConfig, config, ConfigError } from './app/utils/config.server';
import { commonSecurityHeaders, STRICT_TRANSPORT_SECURITY } from './app/utils/security-headers.server';

const dev = process.argv.includes('--dev');
// Set, not only read: React, Remix and Express take the mode from process.env.NODE_ENV too.
process.env.NODE_ENV ??= dev ? 'development' : 'production';

async function main() {
  const startedAt = Date.now();
  const settings = config(); // a bad variable stops the start here, with a message naming it
  checkServingConfig(settings);
  const { db, target, logins } = await prepareDatabase({ seedIfEmpty: true, log: (line) => console.log(line) });

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
    if (!fs.existsSync(serverBuild)) throw new StartupError('There is no production build: run `npm run build` first (npm start does this for you).');
    app.use('/assets', express.static(path.join(buildDir, 'client/assets'), { immutable: true, maxAge: '1y' }));
    app.use(express.static(path.join(buildDir, 'client'), { maxAge: '1h' }));
    build = (await import(pathToFileURL(serverBuild).href)) as ServerBuild;
  }
  app.all('*', createRequestHandler({ build, mode: settings.NODE_ENV, getLoadContext: (req) => ({ clientAddress: req.ip }) }));

  const { PORT: port, HOST: host } = settings;
  const server = app.listen(port, host, () => {
    console.log(`Stocktake is serving http://localhost:${port} (${target}) — ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    if (logins) console.log(logins);
    console.log('Stop with Ctrl+C.');
  });
  server.on('error', async (error: NodeJS.ErrnoException) => {
    console.error(error.code === 'EADDRINUSE' ? `Port ${port} is already in use: set PORT to another port.` : error.message);
    const { closeDatabase } = await import('./db/index');
    await closeDatabase();
    process.exit(1);
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing the server and the database…`);
    server.close();
    server.closeAllConnections?.();
    const { closeDatabase } = await import('./db/index');
    await closeDatabase();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  void db;
}

main().catch(async (error) => {
  console.error(error instanceof StartupError || error instanceof ConfigError ? error.message : error);
  const { closeDatabase } = await import('./db/index');
  await closeDatabase().catch(() => {});
  process.exit(1);
});
