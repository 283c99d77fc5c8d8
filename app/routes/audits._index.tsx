import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { listAuditWork, takeOnAudit } from '~/models/case-audits.server';
import { idFieldSchema } from '~/models/ids';
import { DataTable } from '~/components/data-table';
import { Progress, StatusTag } from '~/components/status-tag';
import { formRefusal } from '~/utils/errors.server';
import { readForm } from '~/utils/forms.server';
import { caseKindLabel, formatDate } from '~/utils/format';
import { hasPermission } from '~/utils/permissions';
import { requireUser } from '~/utils/session.server';

export const meta: MetaFunction = () => [{ title: 'Case audits – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  if (!hasPermission(user, 'case:audit') && !hasPermission(user, 'response:edit-own')) {
    throw new Response('Your role does not allow this (case:audit).', { status: 403 });
  }
  const work = await listAuditWork(getDb(), user);
  return { ...work, isAuditor: hasPermission(user, 'case:audit'), isManager: hasPermission(user, 'response:edit-own') };
}

const TakeForm = z.object({ intent: z.literal('take'), responseId: idFieldSchema('responseId must be an audit id') });

/** An auditor takes an audit on, then goes to it. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const parsed = TakeForm.safeParse(Object.fromEntries(await readForm(request)));
  if (!parsed.success) return data({ error: 'Choose an audit to take on.' }, { status: 400 });
  try {
    await takeOnAudit(getDb(), user, parsed.data.responseId);
  } catch (error) {
    const refusal = formRefusal(error);
    return data({ error: refusal.message }, { status: refusal.status });
  }
  return redirect(`/responses/${parsed.data.responseId}`);
}

type Audit = ReturnType<typeof useLoaderData<typeof loader>>['mine'][number];

function caseCell(a: Audit) {
  return (
    <>
      {a.reference} <span className="muted">({caseKindLabel(a.kind)})</span>
    </>
  );
}

export default function Audits() {
  const { mine, available, teamAudits, isAuditor, isManager } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <>
      <h1>Case audits</h1>
      {actionData?.error ? (
        <div className="error-summary" role="alert">
          <p>{actionData.error}</p>
        </div>
      ) : null}
      {isAuditor ? (
        <>
          <p>
            You audit the case files of the teams in your areas, never those of a team you manage. A second audit for moderation is done without seeing the
            first one.
          </p>
          <h2>Your audits</h2>
          {mine.length === 0 ? (
            <p>You have not taken on any audit yet.</p>
          ) : (
            <div className="table-wrap">
              <DataTable
                caption="Audits you are doing or have done"
                hideCaption
                rowHeaders
                columns={[
                  { header: 'Case', cell: (a) => <Link to={`/responses/${a.id}`}>{caseCell(a)}</Link> },
                  { header: 'Team', cell: (a) => a.team_name },
                  { header: 'Round', cell: (a) => `${a.round_name} (due ${formatDate(a.due_date)})` },
                  { header: 'Audit', cell: (a) => (a.moderation_of ? 'Second audit (moderation)' : 'First audit') },
                  { header: 'Status', cell: (a) => <StatusTag status={a.status} /> },
                  { header: 'Progress', cell: (a) => <Progress answered={a.answered_count} answerable={a.answerable_count} /> },
                ]}
                rows={mine}
                rowKey={(a) => a.id}
              />
            </div>
          )}
          <h2>Audits waiting for an auditor</h2>
          {available.length === 0 ? (
            <p>No audit in your areas is waiting.</p>
          ) : (
            <div className="table-wrap">
              <DataTable
                caption="Audits nobody has taken on yet"
                hideCaption
                rowHeaders
                columns={[
                  { header: 'Case', cell: caseCell },
                  { header: 'Team', cell: (a) => `${a.team_name} (${a.area_name})` },
                  { header: 'Round', cell: (a) => `${a.round_name} (due ${formatDate(a.due_date)})` },
                  {
                    header: 'Action',
                    cell: (a) => (
                      <Form method="post">
                        <input type="hidden" name="intent" value="take" />
                        <input type="hidden" name="responseId" value={a.id} />
                        <button type="submit" className="button" aria-label={`Take on the audit of case ${a.reference}`}>
                          Take on
                        </button>
                      </Form>
                    ),
                  },
                ]}
                rows={available}
                rowKey={(a) => a.id}
              />
            </div>
          )}
        </>
      ) : null}
      {isManager ? (
        <>
          <h2>Completed audits of your team’s cases</h2>
          <p>Read each audit and, if you wish, add your team’s response: whether you agree with it, and why.</p>
          {teamAudits.length === 0 ? (
            <p>No audit of your team’s cases has been completed yet.</p>
          ) : (
            <div className="table-wrap">
              <DataTable
                caption="Completed audits of your team’s cases, newest first"
                hideCaption
                rowHeaders
                columns={[
                  { header: 'Case', cell: (a) => <Link to={`/audits/${a.id}`}>{caseCell(a)}</Link> },
                  { header: 'Team', cell: (a) => a.team_name },
                  { header: 'Round', cell: (a) => a.round_name },
                  { header: 'Completed', cell: (a) => (a.submitted_at ? formatDate(a.submitted_at) : '') },
                  { header: 'Auditor', cell: (a) => a.auditor_name ?? '' },
                  { header: 'Your responses', num: true, cell: (a) => a.replies },
                ]}
                rows={teamAudits}
                rowKey={(a) => a.id}
              />
            </div>
          )}
        </>
      ) : null}
    </>
  );
}
