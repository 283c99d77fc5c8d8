import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { MAX_ID } from '~/models/ids';
import { getDb } from '../../db/index';
import { getQuestionnaireVersion } from '~/models/questionnaires.server';
import { canEditResponse, canManageTeam } from '~/models/access.server';
import { listRevisions, requireVisibleResponse, valueAtRevision } from '~/models/responses.server';
import { rethrowForPage } from '~/utils/errors.server';
import { requireIdParam } from '~/utils/params.server';
import { requireUser } from '~/utils/session.server';
import { formatDateTime } from '~/utils/format';
import { SelectField } from '~/components/select-field';
import { DataTable } from '~/components/data-table';

export const meta: MetaFunction = () => [{ title: 'History of changes – Stocktake' }];

const Query = z.object({
  question: z.string().max(200).optional(),
  revision: z.coerce.number().int().min(0).max(MAX_ID).optional(),
});

const KIND_LABELS: Record<string, string> = {
  edit: 'Changed answers',
  submit: 'Submitted',
  return: 'Returned for correction',
  carry_forward: 'Answers carried forward',
  confirm: 'Confirmed carried answers',
  reopen: 'Reopened',
};

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = getDb();
  const response = await requireVisibleResponse(db, user, requireIdParam(params, 'responseId', 'response')).catch(rethrowForPage);
  const query = Query.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new Response('The question or revision asked for is not valid.', { status: 400 });
  const version = await getQuestionnaireVersion(db, response.questionnaire_version_id);
  const questions = [...version.catalogue.values()].map((q) => ({ name: q.name, title: q.title }));
  const { question, revision } = query.data;
  let lookup: { question: string; title: string; revision: number; value: unknown } | null = null;
  if (question && revision !== undefined) {
    if (!version.catalogue.has(question)) throw new Response(`"${question}" is not a question of this questionnaire.`, { status: 400 });
    const value = await valueAtRevision(db, response.id, question, revision);
    lookup = { question, title: version.catalogue.get(question)!.title, revision, value: value ?? null };
  }
  return {
    response: { id: response.id, revision: response.revision, team: response.team_name, round: response.round_name },
    // Where "back" goes: the questionnaire for whoever completes it, the audit's read-only page, or the review page.
    backTo:
      response.subject === 'case'
        ? canEditResponse(user, response)
          ? `/responses/${response.id}`
          : `/audits/${response.id}`
        : canManageTeam(user, response.team_id)
          ? `/responses/${response.id}`
          : `/review/responses/${response.id}`,
    questionnaire: { title: version.title, version: version.version },
    questions,
    revisions: await listRevisions(db, response.id),
    lookup,
  };
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(no answer)';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return JSON.stringify(value, null, 1);
}

export default function History() {
  const { response, questionnaire, questions, revisions, lookup, backTo } = useLoaderData<typeof loader>();
  const titles = new Map(questions.map((q) => [q.name, q.title]));
  return (
    <>
      <p className="breadcrumbs">
        <Link to={backTo}>
          {response.team}: {response.round}
        </Link>{' '}
        › History
      </p>
      <h1>History of changes</h1>
      <p>
        {questionnaire.title} (version {questionnaire.version}), now at revision {response.revision}. Every accepted change is kept, with who made it and when.
      </p>

      <h2 id="value-at">An answer at any revision</h2>
      <Form method="get" className="panel" aria-labelledby="value-at">
        <SelectField
          id="question"
          label="Question"
          defaultValue={lookup?.question ?? ''}
          required
          empty="Choose a question"
          emptyDisabled
          options={questions.map((q) => ({ value: q.name, label: q.title }))}
        />
        <div className="field">
          <label htmlFor="revision">Revision</label>
          <input id="revision" name="revision" type="number" min={0} max={response.revision} defaultValue={lookup?.revision ?? response.revision} required />
        </div>
        <button type="submit" className="button">
          Show the answer
        </button>
      </Form>
      {lookup ? (
        <div className="notice" role="status">
          <p>
            <strong>{lookup.title}</strong> at revision {lookup.revision}:
          </p>
          <pre className="value-block">{show(lookup.value)}</pre>
        </div>
      ) : null}

      <h2>Revisions</h2>
      {revisions.length === 0 ? (
        <p>No changes yet.</p>
      ) : (
        <div className="table-wrap">
          <DataTable
            columns={[
              { header: 'Revision', num: true, cell: (r) => r.revision },
              { header: 'When', cell: (r) => formatDateTime(r.at) },
              { header: 'Who', cell: (r) => r.author.name ?? 'System' },
              {
                header: 'What',
                cell: (r) => (
                  <>
                    {KIND_LABELS[r.kind] ?? r.kind}
                    {r.note ? <div className="muted">{r.note}</div> : null}
                  </>
                ),
              },
              {
                header: 'Questions',
                cell: (r) =>
                  r.kind === 'edit' && Array.isArray(r.changes) ? (
                    <details>
                      <summary>
                        {r.questions.length} question{r.questions.length === 1 ? '' : 's'}
                      </summary>
                      <ul className="change-list">
                        {(r.changes as Array<{ question: string; old: unknown; new: unknown }>).map((c) => (
                          <li key={c.question}>
                            <strong>{titles.get(c.question) ?? c.question}</strong>: {show(c.old)} → {show(c.new)}
                          </li>
                        ))}
                      </ul>
                    </details>
                  ) : (
                    r.questions.map((q) => titles.get(q) ?? q).join('; ') || '–'
                  ),
              },
            ]}
            rows={revisions}
            rowKey={(r) => r.revision}
          />
        </div>
      )}
    </>
  );
}
