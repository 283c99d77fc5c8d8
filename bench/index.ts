/**
 * `npm run bench`: aggregation at national scale against PostgreSQL.
 *   BENCH_DATABASE_URL  the benchmark database (default postgres://postgres@127.0.0.1:5432/stocktake_bench; created
 *                       if missing, and filled with 9,000 teams × 3 rounds the first time)
 *   --regenerate        drop and regenerate the data
 *   --runs N            timed runs per figure (default 7; the median is reported)
 *   --no-write          print the results without rewriting docs/benchmarks.md
 * Not part of `npm test`.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_BENCH_URL, openBenchDatabase } from './database';
import { benchDataPresent, generateBenchData } from './generate';

const log = (line: string) => process.stderr.write(line + '\n');

async function main() {
  const { values } = parseArgs({
    options: {
      regenerate: { type: 'boolean', default: false },
      runs: { type: 'string', default: '7' },
      'no-write': { type: 'boolean', default: false },
      'generate-only': { type: 'boolean', default: false },
    },
  });
  const url = process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL;
  process.env.SESSION_SECRET ??= 'bench-session-secret-not-for-production';
  const bench = await openBenchDatabase(url, { recreate: Boolean(values.regenerate), log });
  try {
    if (!(await benchDataPresent(bench.db))) {
      log('Generating the benchmark data (9,000 teams × 3 rounds of the full self-assessment)…');
      await generateBenchData(bench.db, bench.client, log);
    } else {
      log('Benchmark data present (use --regenerate to make it again).');
    }
    if (values['generate-only']) return;
    const { runBenchmarks } = await import('./run');
    await runBenchmarks(bench.db, { runs: Number(values.runs), write: !values['no-write'], log, url });
  } finally {
    await bench.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
