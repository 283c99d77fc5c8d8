import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { getDb } from '../../db/index';
import { listQuestionnaireVersions } from '~/models/version-diff.server';
import { ChangeNotes } from '~/components/change-notes';
import { DataTable } from '~/components/data-table';
import { SelectField } from '~/components/select-field';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatDateTime } from '~/utils/format';
import reviewCss from '~/styles/review.css?url';
import versionsCss from '~/styles/versions.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: reviewCss },
  { rel: 'stylesheet', href: versionsCss },
];
export const meta: MetaFunction = () => [{ title: 'Questionnaires and their versions – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUserWithPermission(request, 'response:read-any');
  return { questionnaires: await listQuestionnaireVersions(getDb()) };
}

export default function Questionnaires() {
  const { questionnaires } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/review">Review</Link> › Questionnaires
      </p>
      <h1>Questionnaires and their versions</h1>
      <p>
        Every published version of each questionnaire. See what changed from one version to the next, question by question, or try a version as a team manager
        sees it (nothing is saved).
      </p>
      {questionnaires.length === 0 ? <p>No questionnaire has been published yet.</p> : null}
      {questionnaires.map((q) => (
        <section key={q.slug} aria-labelledby={`q-${q.slug}`}>
          <h2 id={`q-${q.slug}`}>{q.title}</h2>
          {q.description ? <p className="muted">{q.description}</p> : null}
          <div className="table-wrap">
            <DataTable
              caption={`Versions of ${q.title}, oldest first`}
              hideCaption
              rowHeaders
              className="versions-table"
              columns={[
                { header: 'Version', cell: (v) => `Version ${v.version}` },
                { header: 'Published', cell: (v) => formatDateTime(v.publishedAt) },
                { header: 'Questions', num: true, cell: (v) => v.questions },
                { header: 'Change notes', cell: (v) => <ChangeNotes text={v.changeNotes} /> },
                {
                  header: 'See',
                  cell: (v) => (
                    <ul className="link-list">
                      {v.version > 1 ? (
                        <li>
                          <Link to={`/review/questionnaires/${q.slug}/diff?from=${v.version - 1}&to=${v.version}`}>Changes from version {v.version - 1}</Link>
                        </li>
                      ) : null}
                      <li>
                        <Link to={`/review/questionnaires/${q.slug}/v/${v.version}/preview`}>
                          Preview<span className="visually-hidden"> version {v.version}</span>
                        </Link>
                      </li>
                    </ul>
                  ),
                },
              ]}
              rows={q.versions}
              rowKey={(v) => v.version}
            />
          </div>
          {q.versions.length > 2 ? (
            <form method="get" action={`/review/questionnaires/${q.slug}/diff`} className="filters" aria-label={`Compare two versions of ${q.title}`}>
              <SelectField
                id={`${q.slug}-from`}
                name="from"
                label="From version"
                defaultValue={q.versions.at(-2)!.version}
                options={q.versions.slice(0, -1).map((v) => ({ value: v.version, label: `Version ${v.version}` }))}
              />
              <SelectField
                id={`${q.slug}-to`}
                name="to"
                label="To version"
                defaultValue={q.versions.at(-1)!.version}
                options={q.versions.slice(1).map((v) => ({ value: v.version, label: `Version ${v.version}` }))}
              />
              <button type="submit" className="button">
                Compare<span className="visually-hidden"> versions of {q.title}</span>
              </button>
            </form>
          ) : null}
        </section>
      ))}
    </>
  );
}
