import http from 'node:http';
import os from 'node:os';
import { sql } from 'kysely';
import type { Executor } from '../db/index';
import { createUserWithRole } from '../app/models/users.server';
import { BENCH_MINI_JAR_ROUND, BENCH_ROUNDS } from './generate';
import { median, send, type Reply } from './load';
import { kb, machineLine, met, ms, num, writeSection } from './report';
import { processTreeMemory, startApp, type RunningServer } from './servers';
import { JS_GOALS, shippedJavaScript } from './javascript';

/** The routes that show a questionnaire (SurveyJS): the manager's page and the reviewer's read-only view. */
const QUESTIONNAIRE_ROUTES = ['routes/responses.$responseId._index', 'routes/review.responses.$responseId'];

/**
 * The page benchmark: whole HTTP requests to the production server on the 9,000-team benchmark database, signed in
 * as a team manager (the questionnaire) or an administrator (every reviewer and admin page): time to first byte
 * (the reply's headers) and to the end of the body, and the HTML's size (sent without compression), median of
 * several runs after one warm-up request.
 */

const EMAIL_DOMAIN = 'bench.stocktake.invalid';
export const BENCH_LOGINS = { admin: `admin@${EMAIL_DOMAIN}`, manager: `manager@${EMAIL_DOMAIN}` };
/** Known to anyone who reads this file: the benchmark database is made-up data on a local server. */
export const BENCH_PASSWORD = 'bench-password-not-secret';
const GOALS = { questionnaireTtfbMs: 50, pageTtfbMs: 300, htmlBytes: 300 * 1024 };

type PageSpec = { label: string; path: string; as: 'manager' | 'admin'; kind: 'questionnaire' | 'page' };
type PageResult = PageSpec & { status: number; ttfb: number; total: number; bytes: number };

/**
 * The benchmark's own accounts on the generated data (which has none): an administrator, and the manager of the
 * Phase 3 team whose response in progress has the most answers. Created again each run with the known password.
 */
async function prepareLogins(db: Executor) {
  const phase3 = await db.selectFrom('rounds').select('id').where('name', '=', BENCH_ROUNDS[2]).executeTakeFirstOrThrow();
  const phase2 = await db.selectFrom('rounds').select('id').where('name', '=', BENCH_ROUNDS[1]).executeTakeFirstOrThrow();
  const open = await db
    .selectFrom('responses as r')
    .innerJoin('teams as t', 't.id', 'r.team_id')
    .select(['r.id', 'r.team_id', 't.slug', sql<number>`(select count(*) from jsonb_object_keys(r.data))::int`.as('answered')])
    .where('r.round_id', '=', phase3.id)
    .where('r.status', '=', 'in_progress')
    .orderBy(sql`(select count(*) from jsonb_object_keys(r.data))`, 'desc')
    .orderBy('r.id')
    .executeTakeFirstOrThrow();
  const earlier = await db
    .selectFrom('responses')
    .select(['id', 'status', sql<number>`(select count(*) from jsonb_object_keys(data))::int`.as('answered')])
    .where('round_id', '=', phase2.id)
    .where('team_id', '=', open.team_id)
    .executeTakeFirstOrThrow();
  // Password reset on every run (createUserWithRole sets it on an existing account); the manager's role is for this team.
  await createUserWithRole(db, { email: BENCH_LOGINS.admin, name: 'Benchmark administrator', password: BENCH_PASSWORD, role: 'admin' });
  await createUserWithRole(db, { email: BENCH_LOGINS.manager, name: 'Benchmark manager', password: BENCH_PASSWORD, role: 'manager', teamSlug: open.slug });
  return { phase2: phase2.id, open, earlier };
}

async function signIn(agent: http.Agent, server: RunningServer, email: string): Promise<string> {
  const reply = await send(agent, new URL('/login', server.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
    body: new URLSearchParams({ email, password: BENCH_PASSWORD }).toString(),
  });
  const cookie = String(reply.headers['set-cookie']?.[0] ?? '').split(';')[0];
  if (reply.status !== 302 || !cookie) throw new Error(`Signing in as ${email} failed: ${reply.status} ${reply.body.slice(0, 300)}`);
  return cookie;
}

export async function runPageBenchmark(
  db: Executor,
  options: { miniJarRound: number; url: string; runs: number; write: boolean; log: (line: string) => void; command: string },
) {
  const { log } = options;
  const loadBefore = os.loadavg();
  log('Page benchmark on the benchmark database…');
  const { phase2, open, earlier } = await prepareLogins(db);
  const teams = Number((await sql<{ n: string }>`select count(*) as n from teams`.execute(db)).rows[0].n);
  const serverVersion = (await sql<{ v: string }>`select split_part(version(), ',', 1) as v`.execute(db)).rows[0].v;
  // One area's pages show every team of the area (per-team figures): the largest pages for their data.
  const area = await db
    .selectFrom('areas as a')
    .innerJoin('teams as t', 't.area_id', 'a.id')
    .select(['a.id', 'a.name', (eb) => eb.fn.countAll<string>().as('teams')])
    .groupBy(['a.id', 'a.name'])
    .orderBy('teams', 'desc')
    .orderBy('a.name')
    .executeTakeFirstOrThrow();
  const server = await startApp(options.url, log);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const cookies = { admin: await signIn(agent, server, BENCH_LOGINS.admin), manager: await signIn(agent, server, BENCH_LOGINS.manager) };
    const get = (path: string, as: 'manager' | 'admin'): Promise<Reply> =>
      send(agent, new URL(path, server.url), { headers: { Cookie: cookies[as] }, timeoutMs: 120_000 });
    const round = `/review/rounds/${phase2}`;
    const insights = await get(`${round}/insights`, 'admin');
    const topics = [...new Set([...insights.body.matchAll(new RegExp(`${round}/insights/([a-z0-9-]+)`, 'g'))].map((m) => m[1]))];
    if (!topics.length) log(`  (no topic links found on ${round}/insights: status ${insights.status})`);
    const pages: PageSpec[] = [
      {
        label: `Questionnaire, Phase 3 in progress (${open.answered} questions answered)`,
        path: `/responses/${open.id}`,
        as: 'manager',
        kind: 'questionnaire',
      },
      {
        label: `Questionnaire, Phase 2 ${earlier.status.replace('_', ' ')} (${earlier.answered} questions answered)`,
        path: `/responses/${earlier.id}`,
        as: 'manager',
        kind: 'questionnaire',
      },
      { label: 'Rounds (/review)', path: '/review', as: 'admin', kind: 'page' },
      { label: 'Round overview', path: round, as: 'admin', kind: 'page' },
      { label: 'Compare teams', path: `${round}/compare`, as: 'admin', kind: 'page' },
      { label: 'Insights start page', path: `${round}/insights`, as: 'admin', kind: 'page' },
      ...topics.map((topic): PageSpec => ({ label: `Topic: ${topic}`, path: `${round}/insights/${topic}`, as: 'admin', kind: 'page' })),
      ...topics.map((topic): PageSpec => ({
        label: `Topic: ${topic}, one area (${area.name}, ${area.teams} teams)`,
        path: `${round}/insights/${topic}?area=${area.id}`,
        as: 'admin',
        kind: 'page',
      })),
      { label: 'Mini-JAR heatmap', path: `/review/rounds/${options.miniJarRound}/heatmap`, as: 'admin', kind: 'page' },
      { label: 'Phases', path: `${round}/phases`, as: 'admin', kind: 'page' },
      { label: 'Administration (/admin)', path: '/admin', as: 'admin', kind: 'page' },
    ];
    const results: PageResult[] = [];
    for (const page of pages) {
      let replies: Reply[] = [];
      await get(page.path, page.as); // warm-up
      for (let i = 0; i < options.runs; i++) replies.push(await get(page.path, page.as));
      const failed = replies.find((r) => r.status !== 200);
      if (failed) replies = [failed];
      const result: PageResult = {
        ...page,
        status: replies[0].status,
        ttfb: median(replies.map((r) => r.ttfbMs)),
        total: median(replies.map((r) => r.totalMs)),
        bytes: median(replies.map((r) => r.bytes)),
      };
      results.push(result);
      log(
        `  ${page.label.padEnd(60)} ${String(result.status).padEnd(4)} first byte ${ms(result.ttfb).padStart(6)} ms   total ${ms(result.total).padStart(6)} ms   ${kb(result.bytes)}`,
      );
    }
    const memory = processTreeMemory(server.pid);
    const load = { before: loadBefore, after: os.loadavg() };
    const section = renderPages({
      results,
      teams,
      serverVersion,
      load,
      runs: options.runs,
      command: options.command,
      processes: memory.processes,
      round: phase2,
    });
    if (options.write) {
      writeSection('docs/benchmarks.md', 'pages', section);
      log('Wrote the pages section of docs/benchmarks.md');
    } else {
      console.log(section);
    }
    return results;
  } finally {
    agent.destroy();
    await server.stop();
  }
}

function pageMeets(result: PageResult): { ttfbGoal: number; ok: boolean; missed: string } {
  const ttfbGoal = result.kind === 'questionnaire' ? GOALS.questionnaireTtfbMs : GOALS.pageTtfbMs;
  const missed = [
    ...(result.status === 200 ? [] : [`status ${result.status}`]),
    ...(result.ttfb < ttfbGoal ? [] : ['first byte']),
    ...(result.bytes < GOALS.htmlBytes ? [] : ['HTML']),
  ].join(', ');
  return { ttfbGoal, ok: !missed, missed };
}

function renderPages(input: {
  results: PageResult[];
  teams: number;
  serverVersion: string;
  load: { before: number[]; after: number[] };
  runs: number;
  command: string;
  processes: number;
  round: number;
}) {
  const rows = input.results.map((r) => {
    const { ttfbGoal, ok, missed } = pageMeets(r);
    const status = r.status === 200 ? '' : ` (**${r.status}**)`;
    return `| ${r.label}${status} | \`${r.path}\` | ${r.as} | ${ms(r.ttfb)} | ${ms(r.total)} | ${num(r.bytes / 1024, r.bytes < 1024 * 1024 ? 1 : 0)} | first byte < ${ttfbGoal} ms, HTML < ${kb(GOALS.htmlBytes)} | ${met(ok)}${ok ? '' : ` (${missed})`} |`;
  });
  const missed = input.results.filter((r) => !pageMeets(r).ok);
  const slow = missed.filter((r) => pageMeets(r).missed.includes('first byte')).length;
  const large = missed.filter((r) => pageMeets(r).missed.includes('HTML')).length;
  return `## Pages

${machineLine(input.serverVersion, input.load)}

Reproduce: \`${input.command}\`.

- The production server (\`tsx server.ts\`: ${input.processes} processes with tsx's own) on the benchmark
  database (${num(input.teams)} teams, 3 rounds; see "The data" under Aggregation figures), on loopback. The round is "${BENCH_ROUNDS[1]}"
  (round ${input.round}; the heatmap's is "${BENCH_MINI_JAR_ROUND}", every team, added to the data by bench/generate.ts); the questionnaire pages are the benchmark manager's: the Phase 3 response in progress with the most answers
  (the editable questionnaire), and the same team's earlier response.
- Signed in through \`/login\` with the benchmark's own accounts (\`${BENCH_LOGINS.admin}\` and \`${BENCH_LOGINS.manager}\`, made by
  bench/pages.ts on each run). One keep-alive connection, one request at a time, no compression asked for (so "HTML" is the page's own size).
- Each page: one warm-up request, then ${input.runs} timed; medians. "First byte" is the time to the reply's headers, "total" to the end of the body.
  No goal is set for the total; the HTML goal is for every page, the first-byte goal is 50 ms for the questionnaire and 300 ms for the others.

| page | path | as | first byte (ms) | total (ms) | HTML (KB) | goal (issue 11) | |
|---|---|---|---:|---:|---:|---|---|
${rows.join('\n')}

${missed.length ? `${missed.length} of ${input.results.length} pages miss their goal in this run: ${slow} on the time to first byte, ${large} on the size of the HTML.` : `Every page meets its goal in this run.`}

${renderJavaScript()}`;
}

/** What the pages ship, from the client build (bench/javascript.ts): sizes, not times, so the same on every run of one build. */
function renderJavaScript() {
  const js = shippedJavaScript();
  const size = (bytes: number) => num(bytes / 1024, 1);
  const rows = QUESTIONNAIRE_ROUTES.map((id) => {
    const shipped = js.of(id);
    return `| \`${id}\` | ${size(shipped.survey)} | ${size(shipped.framework)} | ${size(shipped.ours)} | ours ≤ ${size(JS_GOALS.oursGzipBytes)} | ${met(shipped.ours <= JS_GOALS.oursGzipBytes)} |`;
  });
  const strays = js.withSurvey.filter((id) => !QUESTIONNAIRE_ROUTES.includes(id));
  return `### JavaScript shipped

KB after gzip (level 9) of every chunk a page loads (the entry's, its route's and its parents'), read from the client build's Remix manifest.
SurveyJS is the chunk holding survey-core's model; React and Remix are the chunks the entry imports; the rest is ours (with any other library a page uses, such as the charts').

| page (route) | SurveyJS | React and Remix | ours (and other libraries) | goal (issue 11) | |
|---|---:|---:|---:|---|---|
${rows.join('\n')}

Pages without a questionnaire ship no SurveyJS: ${strays.length ? `**not met**: ${strays.map((id) => `\`${id}\``).join(', ')} load it` : `met (${js.withSurvey.length} of ${js.routes} routes load it, the two above)`}.
The most JavaScript besides SurveyJS, React and Remix on any page: ${size(js.mostOurs.ours)} KB (\`${js.mostOurs.id}\`).
`;
}
