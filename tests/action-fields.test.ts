import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkActionFields, declaredActionFields, metaActionFields } from '../app/models/action-fields.server';
import { createModel } from '../app/models/catalogue.server';
import { loadRegistry, publishRegistry } from '../app/models/registry.server';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { FIXTURE_SURVEYS } from './helpers/factories';

/** `surveys check`'s rules for the questions and columns that hold actions (docs/decisions/024). */

function page(...elements: object[]) {
  return { pages: [{ name: 'p1', elements }] };
}
const matrix = (columns: object[], extra: object = {}) => ({ type: 'matrixdropdown', name: 'findings', topic: 't', rows: ['a', 'b'], columns, ...extra });
const followUp = (columns: object[], extra: object = {}) => ({
  type: 'matrixdynamic',
  name: 'progress',
  topic: 't',
  followsUp: 'open-actions',
  allowAddRows: false,
  allowRemoveRows: false,
  rowCount: 0,
  columns,
  ...extra,
});
const REF = { name: 'ref', cellType: 'text', readOnly: true, actionPart: 'follow-up-ref' };
const STATUS = { name: 'status', cellType: 'dropdown', actionPart: 'follow-up-status', choices: ['open', 'in_progress', 'done', 'dropped'] };

function problemsOf(definition: object, meta: Record<string, string> = {}) {
  const fields = [...declaredActionFields(createModel(definition)), ...metaActionFields(meta)];
  return checkActionFields(definition, fields);
}

describe('action fields', () => {
  it('accepts a matrix with action, owner and target-date columns, and a well-formed follow-up matrix', () => {
    const definition = page(
      matrix([
        { name: 'action', cellType: 'comment', actionPart: 'action' },
        { name: 'owner', cellType: 'text', actionPart: 'owner' },
        { name: 'due', cellType: 'text', inputType: 'date', actionPart: 'target-date' },
      ]),
      followUp([REF, STATUS, { name: 'evidence', cellType: 'comment', actionPart: 'follow-up-evidence' }]),
    );
    expect(problemsOf(definition)).toEqual([]);
    expect(declaredActionFields(createModel(definition)).map((f) => `${f.question}.${f.column}=${f.part}`)).toEqual([
      'findings.action=action',
      'findings.owner=owner',
      'findings.due=target-date',
      'progress.=follow-up',
      'progress.ref=follow-up-ref',
      'progress.status=follow-up-status',
      'progress.evidence=follow-up-evidence',
    ]);
  });

  it('reads the parts a published version declares in meta.json, and checks them the same way', () => {
    const definition = page(
      matrix([
        { name: 'action', cellType: 'comment' },
        { name: 'rating', cellType: 'dropdown', choices: ['x'] },
      ]),
    );
    expect(problemsOf(definition, { 'findings.action': 'action' })).toEqual([]);
    expect(problemsOf(definition, { 'findings.rating': 'action' })).toEqual([
      { question: 'findings.rating', message: expect.stringContaining('only a text or comment column') },
    ]);
    expect(problemsOf(definition, { 'findings.missing': 'owner' })[0]).toMatchObject({
      question: 'findings.missing',
      message: expect.stringContaining('no such column'),
    });
    expect(problemsOf(definition, { nowhere: 'action' })[0]).toMatchObject({ question: 'nowhere', message: expect.stringContaining('no such question') });
  });

  it('refuses, naming the question: an unknown part, an owner with no action, two action columns', () => {
    expect(problemsOf(page(matrix([{ name: 'a', cellType: 'text', actionPart: 'deadline' }])))[0].message).toMatch(/unknown action part "deadline"/);
    expect(problemsOf(page(matrix([{ name: 'who', cellType: 'text', actionPart: 'owner' }])))).toEqual([
      { question: 'findings.who', message: expect.stringContaining('no "action" column') },
    ]);
    expect(
      problemsOf(
        page(
          matrix([
            { name: 'a1', cellType: 'text', actionPart: 'action' },
            { name: 'a2', cellType: 'text', actionPart: 'action' },
          ]),
        ),
      ),
    ).toContainEqual({ question: 'findings', message: expect.stringContaining('more than one "action" column') });
    expect(problemsOf(page({ type: 'text', name: 'who', topic: 't', actionPart: 'owner' }))[0]).toMatchObject({
      question: 'who',
      message: expect.stringContaining('no "action" question'),
    });
    expect(problemsOf(page({ type: 'checkbox', name: 'what', topic: 't', choices: ['x'], actionPart: 'action' }))[0].message).toMatch(
      /only a text or comment question/,
    );
  });

  it('refuses a follow-up matrix the respondent could add rows to, without its reference column, or with statuses it does not know', () => {
    expect(problemsOf(page(followUp([REF], { allowAddRows: true })))[0].message).toMatch(/allowAddRows/);
    expect(problemsOf(page(followUp([STATUS])))).toContainEqual({ question: 'progress', message: expect.stringContaining('exactly one "follow-up-ref"') });
    expect(problemsOf(page(followUp([REF, { ...STATUS, choices: ['open', 'finished'] }])))[0]).toMatchObject({
      question: 'progress.status',
      message: expect.stringContaining('(not finished)'),
    });
    expect(problemsOf(page(followUp([{ ...REF, readOnly: false }])))[0].message).toMatch(/readOnly/);
    expect(problemsOf(page({ type: 'matrixdropdown', name: 'm', topic: 't', rows: ['a'], followsUp: 'open-actions', columns: [REF] }))[0].message).toMatch(
      /only a dynamic matrix/,
    );
    expect(problemsOf(page(matrix([{ ...REF }])))[0].message).toMatch(/only a column of a follow-up matrix/);
  });
});

describe('publishing action fields', () => {
  let test: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    test = await useTestDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-action-fields-'));
    fs.cpSync(FIXTURE_SURVEYS, dir, { recursive: true });
  });
  afterAll(() => test.destroy());

  const setParts = (parts: Record<string, string> | undefined) => {
    const file = path.join(dir, 'fixture-check/meta.json');
    const meta = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (parts) meta.versions['1'].actionParts = parts;
    else delete meta.versions['1'].actionParts;
    fs.writeFileSync(file, JSON.stringify(meta));
  };
  const stored = () => test.db.selectFrom('action_fields').select(['question', 'column_name', 'part']).execute();

  it('adds the parts a published version comes to declare, audited; a declared part never changes after', async () => {
    await publishRegistry(test.db, loadRegistry(dir));
    expect(await stored()).toEqual([]);
    setParts({ old_note: 'action' });
    await publishRegistry(test.db, loadRegistry(dir), { actorId: null });
    expect(await stored()).toEqual([{ question: 'old_note', column_name: '', part: 'action' }]);
    const event = await test.db
      .selectFrom('audit_events')
      .select(['action', 'details'])
      .where('action', '=', 'questionnaire_version.action_fields')
      .executeTakeFirstOrThrow();
    expect(event.details).toMatchObject({ file: 'fixture-check/v1.json', fields: ['old_note'] });

    setParts(undefined);
    await expect(publishRegistry(test.db, loadRegistry(dir))).rejects.toThrow(
      /fixture-check\/v1\.json question "old_note": was published with action part "action", which is no longer declared/,
    );
    expect(await stored()).toEqual([{ question: 'old_note', column_name: '', part: 'action' }]);
  });
});
