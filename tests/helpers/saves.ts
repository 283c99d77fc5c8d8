import crypto from 'node:crypto';
import { expect } from 'vitest';
import { DEMO_PASSWORD } from './browser';

/**
 * Saves sent to a running server as the questionnaire's autosave sends them, and the checks that none was lost: the
 * response's data is the replay of its revisions, every acknowledged save is in one revision, every refusal says why.
 * Shared by the tests that drive a real server (tests/no-lost-answers.test.ts, tests/two-processes.test.ts).
 */

export type Reply = { status: number; body: Record<string, unknown>; contentType: string; retryAfter: string | null };
export type Save = { writer: number; question: string; value: unknown; changeId: string; baseRevision: number; reply?: Reply; lost?: boolean };
export type Revision = { revision: number; kind: string; questions: string[]; changes: { question: string; old: unknown; new: unknown }[] };

export async function signInCookie(baseUrl: string, email: string): Promise<string> {
  const login = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: baseUrl },
    body: new URLSearchParams({ email, password: DEMO_PASSWORD }),
    redirect: 'manual',
  });
  const cookie = (login.headers.get('Set-Cookie') ?? '').split(';')[0];
  expect(cookie, `sign-in of ${email}`).toMatch(/^stocktake_session=/);
  return cookie;
}

export async function request(baseUrl: string, cookie: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Cookie: cookie, Origin: baseUrl, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const contentType = response.headers.get('Content-Type') ?? '';
  const text = await response.text();
  return {
    status: response.status,
    contentType,
    retryAfter: response.headers.get('Retry-After'),
    body: /json/.test(contentType) ? JSON.parse(text) : { text },
  };
}

export type CurrentResponse = { revision: number; data: Record<string, unknown>; status: string; round: { status: string } };

export async function fetchResponse(baseUrl: string, cookie: string, responseId: number): Promise<CurrentResponse> {
  const reply = await request(baseUrl, cookie, 'GET', `/api/v1/responses/${responseId}`);
  expect(reply.status).toBe(200);
  return reply.body as CurrentResponse;
}

export async function fetchRevisionsAfter(baseUrl: string, cookie: string, responseId: number, revision: number): Promise<Revision[]> {
  const reply = await request(baseUrl, cookie, 'GET', `/api/v1/responses/${responseId}/revisions`);
  expect(reply.status).toBe(200);
  return (reply.body.revisions as Revision[]).filter((r) => r.revision > revision).sort((a, b) => a.revision - b.revision);
}

/** One save as the questionnaire's autosave sends it; a request that got no answer is marked lost. */
export async function sendSave(baseUrl: string, cookie: string, responseId: number, s: Save): Promise<Save> {
  try {
    s.reply = await request(baseUrl, cookie, 'PATCH', `/api/v1/responses/${responseId}`, {
      baseRevision: s.baseRevision,
      set: { [s.question]: s.value },
      changeId: s.changeId,
    });
  } catch {
    s.lost = true;
  }
  return s;
}

export type Writer = {
  baseUrl: string;
  cookie: string;
  responseId: number;
  index: number;
  questions: readonly string[];
  value: (question: string, writer: number, n: number) => unknown;
  until: number;
  stopped?: () => boolean;
};

/**
 * A writer: saves its questions again and again from the revision it last saw; after a conflict it reloads (as
 * "use their answer" does) and goes on. Stops at the deadline, when `stopped()` says so, or when a save is lost.
 */
export async function runWriter(w: Writer): Promise<Save[]> {
  const saves: Save[] = [];
  let known = (await fetchResponse(w.baseUrl, w.cookie, w.responseId)).revision;
  for (let n = 0; Date.now() < w.until && !w.stopped?.(); n++) {
    const question = w.questions[n % w.questions.length];
    const s = await sendSave(w.baseUrl, w.cookie, w.responseId, {
      writer: w.index,
      question,
      value: w.value(question, w.index, n),
      changeId: crypto.randomUUID(),
      baseRevision: known,
    });
    saves.push(s);
    if (s.lost) break;
    if (s.reply!.status === 200) known = s.reply!.body.revision as number;
    else known = (s.reply!.body.currentRevision as number | undefined) ?? known;
  }
  return saves;
}

/** The response's data rebuilt from `start` by its revisions in order; each change's old value must be the replayed one. */
export function replay(start: Record<string, unknown>, revisions: Revision[]): Record<string, unknown> {
  const state = structuredClone(start);
  for (const r of revisions) {
    for (const change of r.changes) {
      expect(change.old, `revision ${r.revision}: the old value of ${change.question}`).toEqual(state[change.question] ?? null);
      if (change.new === null) delete state[change.question];
      else state[change.question] = change.new;
    }
  }
  return state;
}

/**
 * Every acknowledged save (200 that changed its question) is in exactly one revision, with its value. `repeating`:
 * questions whose values repeat between saves (choices), left out of the "written once" check.
 */
export function expectAcknowledgedOnce(saves: Save[], revisions: Revision[], repeating: readonly string[] = []) {
  const byNumber = new Map(revisions.map((r) => [r.revision, r]));
  for (const s of saves.filter((x) => x.reply?.status === 200 && (x.reply.body.changed as string[]).length)) {
    const revision = byNumber.get(s.reply!.body.revision as number);
    expect(revision?.changes, `the save of ${s.question} acknowledged as revision ${s.reply!.body.revision}`).toEqual([
      expect.objectContaining({ question: s.question, new: s.value }),
    ]);
  }
  // Each value of a free-text or number question is written by one save only.
  for (const s of saves.filter((x) => !repeating.includes(x.question))) {
    const holding = revisions.filter((r) => r.changes.some((c) => c.question === s.question && JSON.stringify(c.new) === JSON.stringify(s.value)));
    expect(holding.length, `revisions holding ${s.question} = ${JSON.stringify(s.value)}`).toBeLessThanOrEqual(1);
  }
}

/** Every refused save got a 4xx problem+json saying why; a 409 names the question that met another's change. */
export function expectRefusalsSaidWhy(saves: Save[]) {
  for (const s of saves.filter((x) => x.reply && x.reply.status !== 200)) {
    const { status, body, contentType } = s.reply!;
    expect(status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
    expect(status, JSON.stringify(body)).toBeLessThan(500);
    expect(contentType).toMatch(/^application\/problem\+json/);
    expect(body.detail).toEqual(expect.any(String));
    if (status === 409) {
      expect(body.reason).toBe('conflict');
      expect((body.conflicts as { question: string }[]).map((c) => c.question)).toEqual([s.question]);
    }
  }
}
