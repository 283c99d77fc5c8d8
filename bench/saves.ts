import http from 'node:http';
import os from 'node:os';
import { sql } from 'kysely';
import type { Sql } from 'postgres';
import type { Executor } from '../db/index';
import { seedDemo } from '../db/seed/seed';
import { DEMO_EMAIL_DOMAIN, demoTeams } from '../db/seed/demo';
import { createRound } from '../app/models/rounds.server';
import { createApiToken } from '../app/models/auth.server';
import { openBenchDatabase } from './database';
import { closedLoop, openLoop, send, type Editor, type LoadSummary, type OpenLoopSummary, type Outcome } from './load';
import { machineLine, mb, met, ms, num, writeSection } from './report';
import { processTreeMemory, startApp, startReference, type RunningServer } from './servers';

/**
 * The save benchmark: the production server on a fresh PostgreSQL database with the demo data and an open round for
 * its 40 teams, against the bare reference (bench/reference-server.ts) on the same database, driven by the same load
 * generator (bench/load.ts). Each simulated manager holds an API token for their own team and saves one written
 * question of their team's response through `PATCH /api/v1/responses/{id}`, following the revision each save returns.
 */

export const SAVE_EDITORS = { closed: 50, open: 200, intervalMs: 2000 };
const WARM_UP_MS = 3000;
const QUESTIONNAIRE = 'team-self-assessment';
const ROUND_NAME = 'Bench saves (open round)';
const GOALS = { throughputRatio: 0.6, openP99Ms: 50, memoryGrowth: 0.1 };

type EditorPlan = { manager: string; token: string; responseId: number; question: string };

type Definition = { pages?: Element[] };
type Element = {
  type?: string;
  name?: string;
  inputType?: string;
  elements?: Element[];
  visibleIf?: string;
  enableIf?: string;
  requiredIf?: string;
  validators?: unknown[];
};

/**
 * The written questions a save can always change: comments and plain text questions, on pages and in panels, with no
 * condition on them or on their page or panel and no validators. Read from the questionnaire version's own
 * definition (the benchmark may name questions; the app may not).
 */
export function freeTextQuestions(definition: Definition): string[] {
  const found: string[] = [];
  const walk = (elements: Element[] | undefined) => {
    for (const element of elements ?? []) {
      if (element.visibleIf || element.enableIf || element.requiredIf) continue;
      if (element.type === 'panel' || (!element.type && element.elements)) walk(element.elements);
      else if ((element.type === 'comment' || (element.type === 'text' && !element.inputType)) && !element.validators?.length && element.name)
        found.push(element.name);
    }
  };
  walk(definition.pages);
  return found;
}

/** Demo data, an open round for every demo team on the latest self-assessment, a token per manager, the reference's tables. */
async function prepare(db: Executor, client: Sql, log: (line: string) => void): Promise<EditorPlan[]> {
  log('  demo data (40 teams, a manager each)…');
  await seedDemo(db);
  const version = await db
    .selectFrom('questionnaire_versions as v')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select(['v.id', 'v.version', 'v.definition'])
    .where('q.slug', '=', QUESTIONNAIRE)
    .orderBy('v.version', 'desc')
    .executeTakeFirstOrThrow();
  const questions = freeTextQuestions(version.definition as Definition);
  const specs = demoTeams();
  const perTeam = Math.ceil(SAVE_EDITORS.open / specs.length);
  if (questions.length < perTeam)
    throw new Error(`${QUESTIONNAIRE} v${version.version} has ${questions.length} free written questions; the benchmark needs ${perTeam}`);
  const teams = await db
    .selectFrom('teams')
    .select(['id', 'slug'])
    .where(
      'slug',
      'in',
      specs.map((s) => s.slug),
    )
    .execute();
  const teamIds = new Map(teams.map((t) => [t.slug, t.id]));
  const admin = await db.selectFrom('users').select('id').where('email', '=', `admin@${DEMO_EMAIL_DOMAIN}`).executeTakeFirstOrThrow();
  const dueDate = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const round = await createRound(
    db,
    { name: ROUND_NAME, questionnaireVersionId: version.id, dueDate, teamIds: specs.map((s) => teamIds.get(s.slug)!) },
    admin.id,
  );
  const responses = await db.selectFrom('responses').select(['id', 'team_id']).where('round_id', '=', round.id).execute();
  const responseByTeam = new Map(responses.map((r) => [r.team_id, r.id]));
  const managers: { email: string; token: string; responseId: number }[] = [];
  for (const spec of specs) {
    const email = `manager.${spec.slug}@${DEMO_EMAIL_DOMAIN}`;
    const user = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    const { token } = await createApiToken(db, user.id, 'save benchmark');
    managers.push({ email, token, responseId: responseByTeam.get(teamIds.get(spec.slug)!)! });
  }
  // The reference's own tables, one row per response of the round (same ids, so the same editors drive both).
  await client.unsafe(`create table bench_reference_responses (id integer primary key, data jsonb not null default '{}', revision integer not null default 0,
    updated_at timestamptz not null default now())`);
  await client.unsafe(`create table bench_reference_revisions (id bigserial primary key, response_id integer not null references bench_reference_responses (id),
    revision integer not null, changes jsonb not null, created_at timestamptz not null default now())`);
  await client.unsafe(`insert into bench_reference_responses (id) select unnest($1::int[])`, [managers.map((m) => m.responseId)]);
  // Simulated manager k saves team k mod 40's response, question k div 40: no two write the same question.
  return Array.from({ length: SAVE_EDITORS.open }, (_, k) => {
    const manager = managers[k % managers.length];
    return { manager: manager.email, token: manager.token, responseId: manager.responseId, question: questions[Math.floor(k / managers.length)] };
  });
}

/** The editors for one server: each keeps its revision; all share the current phase's keep-alive agent. */
function editorsFor(server: RunningServer, plans: EditorPlan[], client: { agent: http.Agent }): Editor[] {
  return plans.map((plan, k) => {
    let revision = 0;
    let saves = 0;
    const url = new URL(`/api/v1/responses/${plan.responseId}`, server.url);
    const headers = { Authorization: `Bearer ${plan.token}`, 'Content-Type': 'application/json' };
    return {
      save: async (): Promise<Outcome> => {
        saves++;
        const text = `Note ${saves} from simulated manager ${k}: caseloads were reviewed at the team meeting and two cases were reallocated.`;
        const body = JSON.stringify({ baseRevision: revision, set: { [plan.question]: text } });
        try {
          const reply = await send(client.agent, url, { method: 'PATCH', headers, body });
          if (reply.status === 200) {
            revision = (JSON.parse(reply.body) as { revision: number }).revision;
            return { ok: true, status: 200 };
          }
          // Counted as an error; follow the server's revision so the next save is not refused for the same reason.
          if (reply.status === 409) revision = (JSON.parse(reply.body) as { currentRevision?: number }).currentRevision ?? revision;
          return { ok: false, status: reply.status };
        } catch {
          return { ok: false, status: 0 };
        }
      },
    };
  });
}

type ServerResult = {
  name: string;
  processes: number;
  saturation: LoadSummary;
  open: OpenLoopSummary;
  memory: { warm: number; after: number; samples: number[]; saves: Pick<LoadSummary, 'requests' | 'errors' | 'errorStatuses'> };
  errors: number;
};

/** The requests, errors and failing statuses of several phases together. */
function combine(summaries: LoadSummary[]): Pick<LoadSummary, 'requests' | 'errors' | 'errorStatuses'> {
  const errorStatuses: Record<string, number> = {};
  for (const summary of summaries) {
    for (const [status, count] of Object.entries(summary.errorStatuses)) errorStatuses[status] = (errorStatuses[status] ?? 0) + count;
  }
  return { requests: summaries.reduce((n, s) => n + s.requests, 0), errors: summaries.reduce((n, s) => n + s.errors, 0), errorStatuses };
}

const pause = (msDelay: number) => new Promise((resolve) => setTimeout(resolve, msDelay));

async function measureServer(server: RunningServer, plans: EditorPlan[], options: { seconds: number; memorySaves: number; log: (line: string) => void }) {
  const { log } = options;
  const client = { agent: new http.Agent({ keepAlive: true }) };
  const editors = editorsFor(server, plans, client);
  // A fresh agent per phase: no idle connection the server may have closed between phases is reused.
  const phase = async <T>(run: () => Promise<T>): Promise<T> => {
    client.agent = new http.Agent({ keepAlive: true });
    try {
      return await run();
    } finally {
      client.agent.destroy();
      await pause(1000);
    }
  };
  const closed = editors.slice(0, SAVE_EDITORS.closed);
  const warm = await phase(() => closedLoop(closed, { durationMs: WARM_UP_MS }));
  log(`  ${server.name}: warm-up ${warm.requests} saves, ${warm.errors} errors`);
  const saturation = await phase(() => closedLoop(closed, { durationMs: options.seconds * 1000 }));
  log(
    `  ${server.name}: saturation ${num(saturation.throughput)} saves/s, p50 ${ms(saturation.p50)} ms, p99 ${ms(saturation.p99)} ms, ${saturation.errors} errors`,
  );
  const open = await phase(() => openLoop(editors, { intervalMs: SAVE_EDITORS.intervalMs, durationMs: options.seconds * 1000 }));
  log(
    `  ${server.name}: open loop ${num(open.throughput)} saves/s, p50 ${ms(open.p50)} ms, p99 ${ms(open.p99)} ms, max ${ms(open.max)} ms, ${open.errors} errors`,
  );
  // The memory phase: a tenth of its saves more to warm up (the heap grows to its working size over the first
  // thousand or two saves), then its saves in ten steps, the resident memory read before and after each step
  // (after a second's pause), so a heap still settling shows apart from a leak.
  const step = Math.ceil(options.memorySaves / 10);
  await phase(() => closedLoop(closed, { requests: step }));
  const before = processTreeMemory(server.pid);
  const samples = [before.rssBytes];
  const steps: LoadSummary[] = [];
  for (let done = 0; done < options.memorySaves; done += step) {
    steps.push(await phase(() => closedLoop(closed, { requests: Math.min(step, options.memorySaves - done) })));
    samples.push(processTreeMemory(server.pid).rssBytes);
  }
  const saves = combine(steps);
  const after = samples[samples.length - 1];
  log(`  ${server.name}: memory ${samples.map(mb).join(' → ')} over ${saves.requests} saves (${saves.errors} errors)`);
  const result: ServerResult = {
    name: server.name,
    processes: before.processes,
    saturation,
    open,
    memory: { warm: before.rssBytes, after, samples, saves },
    errors: warm.errors + saturation.errors + open.errors + saves.errors,
  };
  return result;
}

export async function runSaveBenchmark(options: {
  url: string;
  seconds: number;
  memorySaves: number;
  write: boolean;
  log: (line: string) => void;
  command: string;
}) {
  const { log } = options;
  const loadBefore = os.loadavg();
  const savesUrl =
    process.env.BENCH_SAVES_DATABASE_URL ??
    (() => {
      const url = new URL(options.url);
      url.pathname = `${url.pathname}_saves`;
      return url.toString();
    })();
  log(`Save benchmark on a fresh database (${new URL(savesUrl).pathname.slice(1)})…`);
  const bench = await openBenchDatabase(savesUrl, { recreate: true, log });
  let plans: EditorPlan[];
  let serverVersion: string;
  try {
    plans = await prepare(bench.db, bench.client, log);
    serverVersion = (await sql<{ v: string }>`select split_part(version(), ',', 1) as v`.execute(bench.db)).rows[0].v;
  } finally {
    await bench.close();
  }
  const servers: RunningServer[] = [];
  try {
    log('  starting the reference and the Stocktake server…');
    const reference = await startReference(savesUrl);
    servers.push(reference);
    const app = await startApp(savesUrl, log);
    servers.push(app);
    const referenceResult = await measureServer(reference, plans, options);
    const appResult = await measureServer(app, plans, options);
    const load = { before: loadBefore, after: os.loadavg() };
    const section = renderSaves({ app: appResult, reference: referenceResult, serverVersion, load, database: new URL(savesUrl).pathname.slice(1), ...options });
    if (options.write) {
      writeSection('docs/benchmarks.md', 'saves', section);
      log('Wrote the saves section of docs/benchmarks.md');
    } else {
      console.log(section);
    }
    return { app: appResult, reference: referenceResult };
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}

function renderSaves(input: {
  app: ServerResult;
  reference: ServerResult;
  serverVersion: string;
  load: { before: number[]; after: number[] };
  seconds: number;
  memorySaves: number;
  command: string;
  database: string;
}) {
  const { app, reference } = input;
  const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? num(a / b, a / b < 10 ? 2 : 0) : '–');
  const throughputRatio = app.saturation.throughput / reference.saturation.throughput;
  const growth = (app.memory.after - app.memory.warm) / app.memory.warm;
  const referenceGrowth = (reference.memory.after - reference.memory.warm) / reference.memory.warm;
  const statuses = (result: ServerResult) => {
    const all: Record<string, number> = {};
    for (const summary of [result.saturation, result.open, result.memory.saves]) {
      for (const [status, count] of Object.entries(summary.errorStatuses)) all[status] = (all[status] ?? 0) + count;
    }
    const entries = Object.entries(all);
    return entries.length ? ` (${entries.map(([status, count]) => `${count} × ${status === '0' ? 'no answer' : status}`).join(', ')})` : '';
  };
  const latencyRow = (label: string, a: number, b: number, goal: string, ok: boolean | null) =>
    `| ${label} | ${ms(a)} ms | ${ms(b)} ms | ${ratio(a, b)} | ${goal} | ${ok === null ? '' : met(ok)} |`;
  const rows = [
    `| saturation throughput (${SAVE_EDITORS.closed} editors, closed loop) | ${num(app.saturation.throughput)} saves/s | ${num(reference.saturation.throughput)} saves/s | ${throughputRatio.toFixed(2)} | ≥ ${GOALS.throughputRatio.toFixed(2)} × the reference | ${met(throughputRatio >= GOALS.throughputRatio)} |`,
    latencyRow('saturation p50', app.saturation.p50, reference.saturation.p50, '', null),
    latencyRow('saturation p99', app.saturation.p99, reference.saturation.p99, '', null),
    `| open loop: saves/s done (${num(app.open.offered)} offered) | ${num(app.open.throughput)} | ${num(reference.open.throughput)} | ${ratio(app.open.throughput, reference.open.throughput)} | | |`,
    latencyRow('open loop p50', app.open.p50, reference.open.p50, '', null),
    latencyRow('open loop p99', app.open.p99, reference.open.p99, `< ${GOALS.openP99Ms} ms`, app.open.p99 < GOALS.openP99Ms),
    latencyRow('open loop max', app.open.max, reference.open.max, '', null),
    `| errors, every phase${statuses(app)} | ${app.errors} | ${reference.errors} | | 0 | ${met(app.errors === 0)} |`,
    `| memory (RSS) after warm-up | ${mb(app.memory.warm)} | ${mb(reference.memory.warm)} | | | |`,
    `| memory (RSS) after ${num(app.memory.saves.requests)} more saves | ${mb(app.memory.after)} (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%) | ${mb(reference.memory.after)} (${referenceGrowth >= 0 ? '+' : ''}${(referenceGrowth * 100).toFixed(1)}%) | | no growth (under ${GOALS.memoryGrowth * 100}%) | ${met(growth < GOALS.memoryGrowth)} |`,
  ];
  return `## Saves

${machineLine(input.serverVersion, input.load)}

Reproduce: \`${input.command}\`.

- **Stocktake**: the production server (\`tsx server.ts\`: ${app.processes} processes with tsx's own, pool of
  \`DATABASE_POOL_SIZE\` connections) on a fresh database (\`${input.database}\`, dropped and made again each run) with the demo data and
  an open round of the latest team self-assessment for its 40 teams. Each simulated manager holds an API token for their own team and saves
  one written question of their team's response with \`PATCH /api/v1/responses/{id}\`, \`baseRevision\` following the revision each save
  returns; no two managers write the same question (manager k: team k mod 40, the (k div 40)th unconditional written question).
- **Reference**: \`bench/reference-server.ts\`, plain \`node:http\` and postgres.js in one node process (10 connections; ${reference.processes} with tsx's), in the same database,
  its own tables: per save, in one transaction, one UPDATE of a jsonb row (\`data = data || $set\`, \`revision = revision + 1\`) and one
  INSERT of a revision row. No sign-in, no validation, no history of answers: the least a save that keeps history can cost.
- **Load**: one \`node:http\` client with keep-alive connections (bench/load.ts), the same for both, on the same two cores as the servers
  and PostgreSQL. A ${WARM_UP_MS / 1000} s warm-up, then: *saturation*, ${SAVE_EDITORS.closed} editors each saving again as soon as
  answered, for ${input.seconds} s; *open loop*, ${SAVE_EDITORS.open} managers each saving every ${SAVE_EDITORS.intervalMs / 1000} s
  (${num(app.open.offered)} saves/s offered, starts spread evenly), for ${input.seconds} s, latency from the *scheduled* send time so
  queueing behind a slow server counts; *memory*, the server processes' resident memory (VmRSS from /proc, summed over the process tree)
  after those phases and ${num(Math.ceil(input.memorySaves / 10))} more saves to warm up, then after every tenth of ${num(input.memorySaves)} more saves at
  saturation. Every reply other than 200 counts as an error, a 409 included. The memory goal is met when the last reading is less than
  ${GOALS.memoryGrowth * 100}% above the first.

| figure | Stocktake | reference | Stocktake / reference | goal (issue 11) | |
|---|---:|---:|---:|---|---|
${rows.join('\n')}

Resident memory along the memory phase (MB, every ${num(Math.ceil(input.memorySaves / 10))} saves): Stocktake ${app.memory.samples.map((b) => Math.round(b / 2 ** 20)).join(', ')};
reference ${reference.memory.samples.map((b) => Math.round(b / 2 ** 20)).join(', ')}.
`;
}
