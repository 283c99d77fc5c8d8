import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import surveyCss from 'survey-core/survey-core.fontless.min.css?url';
import { getDb } from '../../db/index';
import { loadVersionPreview } from '~/models/version-diff.server';
import { PreviewSurvey } from '~/components/questionnaire/preview-survey';
import { rethrowForPage } from '~/utils/errors.server';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatDate } from '~/utils/format';
import questionnaireCss from '~/styles/questionnaire.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: surveyCss },
  { rel: 'stylesheet', href: questionnaireCss },
];
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Preview: ${data.questionnaire.title}, version ${data.version} – Stocktake` : 'Preview – Stocktake' },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUserWithPermission(request, 'response:read-any');
  return loadVersionPreview(getDb(), params.slug, params.version).catch(rethrowForPage);
}

export default function VersionPreview() {
  const { questionnaire, version, publishedAt, definition, versions } = useLoaderData<typeof loader>();
  const diffFrom = (from: number) => `/review/questionnaires/${questionnaire.slug}/diff?from=${from}&to=${version}`;
  return (
    <div className="questionnaire-page">
      <p className="breadcrumbs">
        <Link to="/review">Review</Link> › <Link to="/review/questionnaires">Questionnaires</Link> › {questionnaire.title}
      </p>
      <h1>
        {questionnaire.title} <span className="muted">(version {version}, preview)</span>
      </h1>
      <div className="notice notice--warning">
        <p>
          <strong>Preview.</strong> This is version {version} (published {formatDate(publishedAt)}) as a team manager sees it on a new response. Try the
          questions and conditions: nothing you enter is saved, and submitting it submits nothing.
        </p>
        {version > 1 && versions.includes(version - 1) ? (
          <p>
            <Link to={diffFrom(version - 1)}>What changed from version {version - 1}</Link>
          </p>
        ) : null}
      </div>
      <PreviewSurvey definition={definition} />
    </div>
  );
}
