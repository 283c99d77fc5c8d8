/**
 * Every environment variable Stocktake reads, parsed with one schema. The app (app/), the server (server.ts), the
 * database module (db/index.ts) and the command line (cli/) all call `config()`; nothing else reads process.env.
 * This module imports only zod, node:net, node:os and node:path, so server.ts and the CLI load it without the Remix build; its
 * `.server` name keeps SESSION_SECRET out of the browser bundle (docs/decisions/007-configuration.md).
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

// An empty variable (`PORT=`) means unset, as a shell user expects.
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

function wholeNumber<Fallback extends number | undefined>(name: string, min: number, max: number, fallback: Fallback) {
  const message = `${name} must be a whole number from ${min} to ${max}`;
  return z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .optional()
      .transform((value, ctx): number | Fallback => {
        if (value === undefined) return fallback;
        const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
        if (!Number.isInteger(n) || n < min || n > max) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${message}, got '${value}'` });
          return z.NEVER;
        }
        return n;
      }),
  );
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * TRUST_PROXY: which proxy in front may say the request came over HTTPS (X-Forwarded-Proto) and from whom. Unset:
 * none, so a client cannot fake https. A whole number counts the proxies in front (1: the one reverse proxy); else
 * a comma-separated list of addresses, subnets (10.0.0.0/8) or loopback, linklocal, uniquelocal. Handed to
 * Express's `trust proxy` as it is.
 */
const trustProxy = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .optional()
    .transform((value, ctx): false | number | string[] => {
      if (value === undefined) return false;
      if (/^\d+$/.test(value.trim())) {
        const hops = Number(value);
        if (hops >= 1 && hops <= 10) return hops;
      } else {
        const entries = value.split(',').map((entry) => entry.trim());
        const valid = (entry: string) => PROXY_NAMES.includes(entry) || net.isIP(entry.replace(/\/\d{1,3}$/, '')) !== 0;
        if (entries.every(valid)) return entries;
      }
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `TRUST_PROXY must be a number of proxies from 1 to 10, or a comma-separated list of addresses, subnets or loopback/linklocal/uniquelocal, got '${value}'`,
      });
      return z.NEVER;
    }),
);

function folder(fallback: string) {
  return z.preprocess(unsetIfEmpty, z.string().default(fallback)).transform((dir) => path.resolve(dir));
}

const schema = z.object({
  NODE_ENV: z.preprocess(
    unsetIfEmpty,
    z
      .enum(['development', 'production', 'test'], {
        errorMap: (_issue, ctx) => ({ message: `NODE_ENV must be development, production or test, got '${String(ctx.data)}'` }),
      })
      .default('development'),
  ),
  DATABASE_URL: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      // The URL may hold a password: the message names only what was expected.
      .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  // Per app process: WEB_CONCURRENCY processes hold up to WEB_CONCURRENCY × DATABASE_POOL_SIZE connections.
  DATABASE_POOL_SIZE: wholeNumber('DATABASE_POOL_SIZE', 1, 100, 10),
  // App processes sharing the port with a PostgreSQL server; unset: one per core (see appProcesses).
  WEB_CONCURRENCY: wholeNumber('WEB_CONCURRENCY', 1, 64, undefined),
  STOCKTAKE_DATA_DIR: folder('data'),
  STOCKTAKE_SURVEYS_DIR: folder('surveys'),
  STOCKTAKE_BUILD_DIR: folder('build'),
  PORT: wholeNumber('PORT', 1, 65535, 3000),
  HOST: z.preprocess(unsetIfEmpty, z.string().default('0.0.0.0')),
  TRUST_PROXY: trustProxy,
  // A session ends after this many minutes without a request, and this many hours after sign-in, whichever is first.
  SESSION_IDLE_MINUTES: wholeNumber('SESSION_IDLE_MINUTES', 5, 10080, 60),
  SESSION_MAX_HOURS: wholeNumber('SESSION_MAX_HOURS', 1, 720, 12),
  // Optional here: the server generates one in embedded mode (scripts/startup.ts) before the app reads it.
  SESSION_SECRET: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .refine(
        (secret) => secret.length >= 16,
        (secret) => ({ message: `SESSION_SECRET must be at least 16 characters, got ${secret.length}` }),
      )
      .optional(),
  ),
});

export type Config = z.infer<typeof schema>;

/** A configuration that cannot be used; the message names every bad variable and what it expects. */
export class ConfigError extends Error {}

/** Parses an environment (process.env, or a plain object in tests). Throws ConfigError naming each bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/**
 * The rule of a process that serves the app: several processes sharing a PostgreSQL server must share one
 * SESSION_SECRET, so production on a server requires it. The command line needs no secret and skips this.
 */
export function checkServingConfig(settings: Config): void {
  if (settings.NODE_ENV === 'production' && settings.DATABASE_URL && !settings.SESSION_SECRET) {
    throw new ConfigError(
      'SESSION_SECRET is required when DATABASE_URL points at a PostgreSQL server in production (set the same random value, 32+ characters, on every app process).',
    );
  }
}

/**
 * How many app processes the server runs (node:cluster, sharing the port): WEB_CONCURRENCY, by default the machine's
 * cores, when DATABASE_URL names a PostgreSQL server. One with the embedded database (PGlite lets one process open a
 * data folder) and in development (Vite's middleware); `ignored` says why when WEB_CONCURRENCY asked for more.
 */
export function appProcesses(settings: Pick<Config, 'DATABASE_URL' | 'WEB_CONCURRENCY'>, { dev = false } = {}): { count: number; ignored?: string } {
  const asked = settings.WEB_CONCURRENCY;
  const single = !settings.DATABASE_URL ? 'the embedded database (no DATABASE_URL) is served by one process' : dev ? 'development mode runs one process' : null;
  if (single) return asked && asked > 1 ? { count: 1, ignored: `WEB_CONCURRENCY=${asked} is ignored: ${single}.` } : { count: 1 };
  return { count: asked ?? os.availableParallelism() };
}

let parsed: Config | undefined;

/** The process's configuration, parsed from process.env at its first use. */
export function config(): Config {
  parsed ??= parseConfig(process.env);
  return parsed;
}

/**
 * Uses a generated SESSION_SECRET. It goes into process.env too: the Remix build bundles its own copy of this
 * module, which parses process.env when the first request arrives.
 */
export function useSessionSecret(secret: string): void {
  process.env.SESSION_SECRET = secret;
  parsed = { ...config(), SESSION_SECRET: secret };
}

/** Forgets the parsed configuration, so the next `config()` reads process.env again (tests that change it). */
export function resetConfig(): void {
  parsed = undefined;
}
