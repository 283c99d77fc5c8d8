import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { Fragment } from 'react';
import { getDb } from '../../db/index';
import { loadVersionDiff, parseVersionDiffQuery } from '~/models/version-diff.server';
import { FILTER_KINDS, KIND_LABELS, type Change, type FilterKind, type Shown, type ShownItem } from '~/models/version-diff-kinds';
import { ChangeNotes } from '~/components/change-notes';
import { SelectField } from '~/components/select-field';
import { rethrowForPage } from '~/utils/errors.server';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatDate } from '~/utils/format';
import reviewCss from '~/styles/review.css?url';
import versionsCss from '~/styles/versions.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: reviewCss },
  { rel: 'stylesheet', href: versionsCss },
];
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.questionnaire.title}: version ${data.from.version} to ${data.to.version} – Stocktake` : 'Changes between versions – Stocktake' },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUserWithPermission(request, 'response:read-any');
  let query;
  try {
    query = parseVersionDiffQuery(new URL(request.url).searchParams);
  } catch (error) {
    rethrowForPage(error);
  }
  return loadVersionDiff(getDb(), params.slug, query).catch(rethrowForPage);
}

const ITEM_MARKERS: Record<ShownItem['status'], string | null> = { same: null, added: 'added', removed: 'removed', changed: 'changed' };

/** One side of a change: a text (with the words the other side lacks marked), a list item by item, or "not set". */
function ShownValue({ shown }: { shown: Shown }) {
  if (!shown) return <span className="muted">Not set</span>;
  if ('items' in shown) {
    return (
      <ul className="diff-items">
        {shown.items.map((item, i) => (
          <li key={i} className={`diff-item--${item.status}`}>
            {item.text}
            {ITEM_MARKERS[item.status] ? <span className={`marker marker--${item.status}`}>{ITEM_MARKERS[item.status]}</span> : null}
            {item.changed?.length ? <span className="muted"> ({item.changed.join(', ')})</span> : null}
          </li>
        ))}
      </ul>
    );
  }
  const text = shown.parts
    ? shown.parts.map((part, i) =>
        part.status === 'removed' ? (
          <del key={i}>
            <span className="visually-hidden">[removed: </span>
            {part.text}
            <span className="visually-hidden">]</span>
          </del>
        ) : part.status === 'added' ? (
          <ins key={i}>
            <span className="visually-hidden">[added: </span>
            {part.text}
            <span className="visually-hidden">]</span>
          </ins>
        ) : (
          <Fragment key={i}>{part.text}</Fragment>
        ),
      )
    : shown.text;
  return (
    <>
      {shown.code ? <code>{text}</code> : text}
      {shown.note ? <span className="diff-note">{shown.note}</span> : null}
    </>
  );
}

/** Changes of the questionnaire or of a page: what changed, old beside new. */
function ChangesTable({ caption, changes, from, to }: { caption: string; changes: Change[]; from: number; to: number }) {
  return (
    <div className="table-wrap">
      <table className="compare-table diff-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Change</th>
            <th scope="col">Version {from}</th>
            <th scope="col">Version {to}</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((change, i) => (
            <tr key={i}>
              <th scope="row">{change.label}</th>
              <td>
                <ShownValue shown={change.old} />
              </td>
              <td>
                <ShownValue shown={change.new} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function VersionDiffPage() {
  const { questionnaire, from, to, kind, diff } = useLoaderData<typeof loader>();
  const base = `/review/questionnaires/${questionnaire.slug}/diff?from=${from.version}&to=${to.version}`;
  const counts: Record<FilterKind, number> = { ...diff.summary, pages: diff.summary.pages };
  const offered = FILTER_KINDS.filter((k) => counts[k] > 0 || k === kind);
  const nothing = !diff.questionnaire.length && !diff.pages.length;
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/review">Review</Link> › <Link to="/review/questionnaires">Questionnaires</Link> › {questionnaire.title}
      </p>
      <h1>
        {questionnaire.title}: changes from version {from.version} to version {to.version}
      </h1>
      <p>
        Version {from.version} was published on {formatDate(from.publishedAt)}, version {to.version} on {formatDate(to.publishedAt)}. Preview{' '}
        <Link to={`/review/questionnaires/${questionnaire.slug}/v/${from.version}/preview`}>version {from.version}</Link> or{' '}
        <Link to={`/review/questionnaires/${questionnaire.slug}/v/${to.version}/preview`}>version {to.version}</Link> as a team manager sees it.
      </p>
      <details className="version-notes">
        <summary>Change notes of version {to.version}</summary>
        <ChangeNotes text={to.changeNotes} />
      </details>
      {diff.notes.map((note) => (
        <p key={note} className="notice notice--warning">
          {note}
        </p>
      ))}

      <h2 id="summary">Summary</h2>
      {diff.summary.elements === 0 && diff.summary.pages === 0 ? (
        <p>The two versions ask the same questions in the same way.</p>
      ) : (
        <>
          <p>
            {diff.summary.elements} {diff.summary.elements === 1 ? 'question or panel' : 'questions and panels'} changed
            {diff.summary.pages
              ? `, and ${diff.summary.pages} ${diff.summary.pages === 1 ? 'page (or the questionnaire itself)' : 'pages (or the questionnaire itself)'}`
              : ''}
            . Choose a count to see only those changes.
          </p>
          <ul className="counts" aria-labelledby="summary">
            {offered.map((k) => (
              <li key={k}>
                <Link to={`${base}&kind=${k}`} aria-current={kind === k ? 'true' : undefined}>
                  <span className="figure">{counts[k]}</span> {KIND_LABELS[k]}
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}

      <form method="get" className="filters" aria-label="Filter the changes">
        <input type="hidden" name="from" value={from.version} />
        <input type="hidden" name="to" value={to.version} />
        <SelectField
          id="kind"
          name="kind"
          label="Show"
          defaultValue={kind ?? ''}
          empty="Every change"
          options={offered.map((k) => ({ value: k, label: `${KIND_LABELS[k]} (${counts[k]})` }))}
        />
        <button type="submit" className="button">
          Show
        </button>
      </form>
      {kind ? (
        <p role="status">
          Showing only: {KIND_LABELS[kind]}. <Link to={base}>Show every change</Link>
        </p>
      ) : null}

      {nothing ? <p>{kind ? 'No changes of this kind.' : 'Nothing changed.'}</p> : null}

      {diff.questionnaire.length ? (
        <section aria-labelledby="questionnaire-changes">
          <h2 id="questionnaire-changes">The questionnaire</h2>
          <ChangesTable caption="Changes to the questionnaire’s title and description" changes={diff.questionnaire} from={from.version} to={to.version} />
        </section>
      ) : null}

      {diff.pages.map((page) => (
        <section key={page.name} aria-labelledby={`page-${page.name}`}>
          <h2 id={`page-${page.name}`}>
            {page.title}
            {page.status !== 'kept' ? <span className={`marker marker--${page.status}`}>page {page.status}</span> : null}
          </h2>
          {page.changes.length && page.status === 'kept' ? (
            <ChangesTable caption={`Changes to the page ${page.title}`} changes={page.changes} from={from.version} to={to.version} />
          ) : null}
          {page.elements.length ? (
            <div className="table-wrap">
              <table className="compare-table diff-table">
                <caption className="visually-hidden">Questions changed on the page {page.title}</caption>
                <thead>
                  <tr>
                    <th scope="col">Question</th>
                    <th scope="col">Change</th>
                    <th scope="col">Version {from.version}</th>
                    <th scope="col">Version {to.version}</th>
                  </tr>
                </thead>
                {page.elements.map((element) => (
                  <tbody key={`${element.status}:${element.name}`}>
                    {element.changes.map((change, i) => (
                      <tr key={i}>
                        {i === 0 ? (
                          <th scope="rowgroup" rowSpan={element.changes.length}>
                            <span className="question-title">{element.title}</span>
                            <code className="cell-path">
                              {element.name}
                              {element.panel ? ' (panel)' : ''}
                            </code>
                          </th>
                        ) : null}
                        <th scope="row">{change.label}</th>
                        <td>
                          <ShownValue shown={change.old} />
                        </td>
                        <td>
                          <ShownValue shown={change.new} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                ))}
              </table>
            </div>
          ) : null}
        </section>
      ))}
    </>
  );
}
