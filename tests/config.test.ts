import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appProcesses, checkServingConfig, config, ConfigError, parseConfig, resetConfig, useSessionSecret } from '../app/utils/config.server';
import { resolveTarget } from '../db/index';
import { ensureSessionSecret } from '../scripts/startup';

const saved = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  resetConfig();
});

function messageOf(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('parseConfig accepted the environment');
}

describe('parseConfig', () => {
  it('gives the README defaults for an empty environment', () => {
    expect(parseConfig({})).toEqual({
      NODE_ENV: 'development',
      DATABASE_URL: undefined,
      DATABASE_POOL_SIZE: 10,
      STOCKTAKE_DATA_DIR: path.resolve('data'),
      STOCKTAKE_SURVEYS_DIR: path.resolve('surveys'),
      STOCKTAKE_BUILD_DIR: path.resolve('build'),
      PORT: 3000,
      HOST: '0.0.0.0',
      TRUST_PROXY: false,
      SESSION_IDLE_MINUTES: 60,
      SESSION_MAX_HOURS: 12,
      SESSION_SECRET: undefined,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig({ DATABASE_URL: '', PORT: '', DATABASE_POOL_SIZE: '', NODE_ENV: '', STOCKTAKE_DATA_DIR: '' })).toEqual(parseConfig({}));
  });

  it('reads each variable it is given', () => {
    const settings = parseConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://app:pw@db:5432/stocktake',
      DATABASE_POOL_SIZE: '25',
      STOCKTAKE_DATA_DIR: '/srv/stocktake',
      STOCKTAKE_SURVEYS_DIR: 'tests/fixtures/surveys',
      STOCKTAKE_BUILD_DIR: '/tmp/build',
      PORT: '8080',
      HOST: '127.0.0.1',
      TRUST_PROXY: '1',
      SESSION_IDLE_MINUTES: '30',
      SESSION_MAX_HOURS: '8',
      SESSION_SECRET: 'a-secret-of-enough-length',
    });
    expect(settings).toEqual({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://app:pw@db:5432/stocktake',
      DATABASE_POOL_SIZE: 25,
      STOCKTAKE_DATA_DIR: '/srv/stocktake',
      STOCKTAKE_SURVEYS_DIR: path.resolve('tests/fixtures/surveys'),
      STOCKTAKE_BUILD_DIR: '/tmp/build',
      PORT: 8080,
      HOST: '127.0.0.1',
      TRUST_PROXY: 1,
      SESSION_IDLE_MINUTES: 30,
      SESSION_MAX_HOURS: 8,
      SESSION_SECRET: 'a-secret-of-enough-length',
    });
    expect(resolveTarget(settings)).toEqual({ kind: 'postgres', url: 'postgresql://app:pw@db:5432/stocktake' });
    expect(resolveTarget(parseConfig({ STOCKTAKE_DATA_DIR: '/srv/stocktake' }))).toEqual({ kind: 'embedded', dataDir: '/srv/stocktake' });
  });

  it('reads TRUST_PROXY as a number of proxies or a list of addresses, and trusts none when it is unset', () => {
    expect(parseConfig({ TRUST_PROXY: '' }).TRUST_PROXY).toBe(false);
    expect(parseConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(parseConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,::1' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', '::1']);
  });

  it.each(['0', 'yes', '10.0.0.300', 'loopback,*'])('refuses TRUST_PROXY=%s', (value) => {
    expect(messageOf({ TRUST_PROXY: value })).toMatch(/^Invalid configuration:\n {2}TRUST_PROXY must be a number of proxies from 1 to 10/);
  });

  it.each([
    ['abc', "DATABASE_POOL_SIZE must be a whole number from 1 to 100, got 'abc'"],
    ['0', "DATABASE_POOL_SIZE must be a whole number from 1 to 100, got '0'"],
    ['101', "DATABASE_POOL_SIZE must be a whole number from 1 to 100, got '101'"],
    ['2.5', "DATABASE_POOL_SIZE must be a whole number from 1 to 100, got '2.5'"],
    ['-3', "DATABASE_POOL_SIZE must be a whole number from 1 to 100, got '-3'"],
  ])('refuses DATABASE_POOL_SIZE=%s', (value, message) => {
    expect(messageOf({ DATABASE_POOL_SIZE: value })).toBe(`Invalid configuration:\n  ${message}`);
  });

  it.each([
    ['SESSION_IDLE_MINUTES', '4', "SESSION_IDLE_MINUTES must be a whole number from 5 to 10080, got '4'"],
    ['SESSION_MAX_HOURS', '0', "SESSION_MAX_HOURS must be a whole number from 1 to 720, got '0'"],
  ])('refuses %s=%s', (name, value, message) => {
    expect(messageOf({ [name]: value })).toBe(`Invalid configuration:\n  ${message}`);
  });

  it.each([
    ['http', "PORT must be a whole number from 1 to 65535, got 'http'"],
    ['0', "PORT must be a whole number from 1 to 65535, got '0'"],
    ['70000', "PORT must be a whole number from 1 to 65535, got '70000'"],
  ])('refuses PORT=%s', (value, message) => {
    expect(messageOf({ PORT: value })).toBe(`Invalid configuration:\n  ${message}`);
  });

  it('refuses an unknown NODE_ENV', () => {
    expect(messageOf({ NODE_ENV: 'staging' })).toBe("Invalid configuration:\n  NODE_ENV must be development, production or test, got 'staging'");
  });

  it('refuses a DATABASE_URL that is not a PostgreSQL URL, without repeating it (it may hold a password)', () => {
    const message = messageOf({ DATABASE_URL: 'mysql://app:hunter2@db/stocktake' });
    expect(message).toBe('Invalid configuration:\n  DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(message).not.toContain('hunter2');
  });

  it('refuses a short SESSION_SECRET, giving its length only', () => {
    const message = messageOf({ SESSION_SECRET: 'tooshort' });
    expect(message).toBe('Invalid configuration:\n  SESSION_SECRET must be at least 16 characters, got 8');
    expect(message).not.toContain('tooshort');
  });

  it('names every bad variable at once', () => {
    expect(messageOf({ PORT: 'x', DATABASE_POOL_SIZE: 'y', NODE_ENV: 'prod' }).split('\n')).toEqual([
      'Invalid configuration:',
      "  NODE_ENV must be development, production or test, got 'prod'",
      "  DATABASE_POOL_SIZE must be a whole number from 1 to 100, got 'y'",
      "  PORT must be a whole number from 1 to 65535, got 'x'",
    ]);
  });
});

describe('checkServingConfig (the server, not the command line)', () => {
  const required = 'SESSION_SECRET is required when DATABASE_URL points at a PostgreSQL server in production';

  it('requires SESSION_SECRET in production with DATABASE_URL', () => {
    const settings = parseConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://app@db/stocktake' });
    expect(() => checkServingConfig(settings)).toThrow(ConfigError);
    expect(() => checkServingConfig(settings)).toThrow(required);
  });

  it('accepts production with DATABASE_URL and a SESSION_SECRET', () => {
    expect(() =>
      checkServingConfig(parseConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://app@db/stocktake', SESSION_SECRET: 'x'.repeat(32) })),
    ).not.toThrow();
  });

  it('lets the embedded database, and development on a server, go without one (it is generated)', () => {
    expect(() => checkServingConfig(parseConfig({ NODE_ENV: 'production' }))).not.toThrow();
    expect(() => checkServingConfig(parseConfig({ NODE_ENV: 'development', DATABASE_URL: 'postgres://app@db/stocktake' }))).not.toThrow();
  });
});

describe('WEB_CONCURRENCY: how many app processes serve', () => {
  const url = 'postgres://app@db.internal/stocktake';

  it('is one per core by default with a PostgreSQL server, or the number asked for', () => {
    expect(appProcesses(parseConfig({ DATABASE_URL: url }))).toEqual({ count: os.availableParallelism() });
    expect(appProcesses(parseConfig({ DATABASE_URL: url, WEB_CONCURRENCY: '3' }))).toEqual({ count: 3 });
    expect(appProcesses(parseConfig({ DATABASE_URL: url, WEB_CONCURRENCY: '1' }))).toEqual({ count: 1 });
  });

  it('is one with the embedded database and in development, saying why when more were asked for', () => {
    expect(appProcesses(parseConfig({}))).toEqual({ count: 1 });
    expect(appProcesses(parseConfig({ WEB_CONCURRENCY: '4' }))).toEqual({
      count: 1,
      ignored: 'WEB_CONCURRENCY=4 is ignored: the embedded database (no DATABASE_URL) is served by one process.',
    });
    expect(appProcesses(parseConfig({ DATABASE_URL: url, WEB_CONCURRENCY: '4' }), { dev: true })).toEqual({
      count: 1,
      ignored: 'WEB_CONCURRENCY=4 is ignored: development mode runs one process.',
    });
  });

  it.each(['0', '65', 'two', '1.5'])('refuses WEB_CONCURRENCY=%s', (value) => {
    expect(messageOf({ WEB_CONCURRENCY: value })).toBe(`Invalid configuration:\n  WEB_CONCURRENCY must be a whole number from 1 to 64, got '${value}'`);
  });
});

describe('config() at start', () => {
  it('refuses a bad value in process.env with the message naming it (server.ts calls this first)', () => {
    process.env.DATABASE_POOL_SIZE = 'abc';
    resetConfig();
    expect(() => config()).toThrow(ConfigError);
    expect(() => config()).toThrow("DATABASE_POOL_SIZE must be a whole number from 1 to 100, got 'abc'");
  });

  it('parses process.env once, until reset', () => {
    process.env.STOCKTAKE_SURVEYS_DIR = 'tests/fixtures/surveys';
    resetConfig();
    expect(config().STOCKTAKE_SURVEYS_DIR).toBe(path.resolve('tests/fixtures/surveys'));
    process.env.STOCKTAKE_SURVEYS_DIR = 'elsewhere';
    expect(config().STOCKTAKE_SURVEYS_DIR).toBe(path.resolve('tests/fixtures/surveys'));
    resetConfig();
    expect(config().STOCKTAKE_SURVEYS_DIR).toBe(path.resolve('elsewhere'));
  });

  it('passes a generated SESSION_SECRET to process.env, where the Remix build reads it', () => {
    useSessionSecret('generated-secret-for-this-process');
    expect(config().SESSION_SECRET).toBe('generated-secret-for-this-process');
    expect(process.env.SESSION_SECRET).toBe('generated-secret-for-this-process');
  });

  it('generates SESSION_SECRET in embedded mode and keeps it in the data folder', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-config-'));
    try {
      delete process.env.SESSION_SECRET;
      process.env.STOCKTAKE_DATA_DIR = dataDir;
      resetConfig();
      ensureSessionSecret(resolveTarget(), () => {});
      const kept = fs.readFileSync(path.join(dataDir, 'session-secret'), 'utf8').trim();
      expect(kept.length).toBeGreaterThanOrEqual(32);
      expect(config().SESSION_SECRET).toBe(kept);
      expect(process.env.SESSION_SECRET).toBe(kept);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
