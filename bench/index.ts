/**
 * `npm run bench`: the benchmarks of docs/benchmarks.md, against a PostgreSQL server. Three parts, all by default:
 *   figures  the aggregation figures at national scale (bench/run.ts) against hand-written SQL
 *   saves    autosave throughput, latency and memory of the production server against a bare node:http + postgres.js
 *            server (bench/saves.ts), on a fresh database <benchmark database>_saves
 *   pages    whole HTTP requests to the production server's pages at national scale (bench/pages.ts)
 * Options:
 *   BENCH_DATABASE_URL  the benchmark database (default postgres://postgres@127.0.0.1:5432/stocktake_bench; created
 *                       if missing, and filled with 9,000 teams × 3 rounds the first time)
 *   BENCH_SAVES_DATABASE_URL  the save benchmark's database (default: BENCH_DATABASE_URL's name + _saves), dropped and
 *                       made again on every run
 *   --only PART         run only this part (figures, saves or pages); repeat for several
 *   --seconds N         length of each load phase of the save benchmark (default 30)
 *   --memory-saves N    saves between the two memory readings of the save benchmark (default 10000)
 *   --runs N            timed runs per figure and per page (default 7; the median is reported)
 *   --regenerate        drop and regenerate the data
 *   --no-write          print the results without rewriting docs/benchmarks.md (each part has its own section there)
 *   --generate-only     make the data and stop
 *   --profile DIR       run the Stocktake server under node --cpu-prof: a .cpuprofile per process in DIR when it stops
 * Not part of `npm test`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_BENCH_URL, openBenchDatabase } from './database';
import { benchDataPresent, ensureBenchMiniJar, generateBenchData } from './generate';
import { PARTS, type Part } from './report';

const log = (line: string) => process.stderr.write(line + '\n');

function positiveInteger(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of 1 or more: got "${value}"`);
  return n;
}

async function main() {
  const { values } = parseArgs({
    options: {
      regenerate: { type: 'boolean', default: false },
      runs: { type: 'string', default: '7' },
      'no-write': { type: 'boolean', default: false },
      'generate-only': { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      seconds: { type: 'string', default: '30' },
      'memory-saves': { type: 'string', default: '10000' },
      profile: { type: 'string' },
    },
  });
  const only = (values.only ?? []).flatMap((v) => v.split(','));
  for (const part of only) if (!PARTS.includes(part as Part)) throw new Error(`--only takes ${PARTS.join(', ')}: got "${part}"`);
  const parts = new Set<Part>(only.length ? (only as Part[]) : PARTS);
  const runs = positiveInteger('runs', values.runs);
  const seconds = positiveInteger('seconds', values.seconds);
  const memorySaves = positiveInteger('memory-saves', values['memory-saves']);
  const write = !values['no-write'];
  if (values.profile) {
    fs.mkdirSync(values.profile, { recursive: true });
    process.env.BENCH_PROFILE_DIR = path.resolve(values.profile);
  }
  const url = process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL;
  process.env.SESSION_SECRET ??= 'bench-session-secret-not-for-production';
  // The command that reproduces one part's figures, as written beside them.
  const command = (part: Part, extra: string[] = []) => ['npm run bench --', `--only ${part}`, ...extra].join(' ');

  if (values['generate-only'] || parts.has('figures') || parts.has('pages')) {
    const bench = await openBenchDatabase(url, { recreate: Boolean(values.regenerate), log });
    try {
      if (!(await benchDataPresent(bench.db))) {
        log('Generating the benchmark data (9,000 teams × 3 rounds of the full self-assessment)…');
        await generateBenchData(bench.db, bench.client, log);
      } else {
        log('Benchmark data present (use --regenerate to make it again).');
      }
      // The heatmap's round, added to data made before it was part of the benchmark (only when pages may use it).
      const miniJarRound = values['generate-only'] || parts.has('pages') ? await ensureBenchMiniJar(bench.db, bench.client, log) : 0;
      if (values['generate-only']) return;
      if (parts.has('figures')) {
        const { runBenchmarks } = await import('./run');
        await runBenchmarks(bench.db, { runs, write, log, url, command: command('figures', runs === 7 ? [] : [`--runs ${runs}`]) });
      }
      if (parts.has('pages')) {
        const { runPageBenchmark } = await import('./pages');
        await runPageBenchmark(bench.db, { miniJarRound, url, runs, write, log, command: command('pages', runs === 7 ? [] : [`--runs ${runs}`]) });
      }
    } finally {
      await bench.close();
    }
  }
  if (parts.has('saves')) {
    const { runSaveBenchmark } = await import('./saves');
    const extra = [`--seconds ${seconds}`, ...(memorySaves === 10000 ? [] : [`--memory-saves ${memorySaves}`])];
    await runSaveBenchmark({ url, seconds, memorySaves, write, log, command: command('saves', extra) });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
