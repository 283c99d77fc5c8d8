/// <reference types="vitest/config" />
import { vitePlugin as remix } from '@remix-run/dev';
import { defineConfig } from 'vite';
import tsconfigPaths from 'vite-tsconfig-paths';
import remixOptions from './remix.config.js';

declare module '@remix-run/node' {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig({
  plugins: [!process.env.VITEST && remix(remixOptions), tsconfigPaths()],
  optimizeDeps: {
    include: ['survey-core', 'survey-react-ui', 'react', 'react-dom', 'react-dom/client'],
  },
  ssr: {
    // The database drivers stay external: the server process and the Remix build share one instance (see db/index.ts).
    external: ['@electric-sql/pglite', 'postgres', 'kysely', 'kysely-pglite-dialect', 'kysely-postgres-js'],
  },
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['tests/helpers/global-setup.ts'],
    setupFiles: ['tests/helpers/setup.ts'],
  },
});
