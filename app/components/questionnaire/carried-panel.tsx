import type { CarriedOnPage } from './use-questionnaire';

type ConfirmBody = { questions: string[] } | { page: string };

/**
 * Where a left-out part was inside its question, in words: "panel 2 › plans" for `children_seen.2.plans`, "comment"
 * for `referral_route-Comment`, the row and column for a matrix cell; empty for the whole answer.
 */
export function droppedPlace(question: CarriedOnPage, path: string): string {
  if (path === question.name) return '';
  if (path === `${question.name}-Comment`) return 'comment';
  const [first, ...rest] = path.slice(question.name.length + 1).split('.');
  const head = question.entries && /^\d+$/.test(first) ? `${question.entries.noun} ${first}` : first;
  return [head, ...rest.map((part) => (part.endsWith('-Comment') ? `${part.slice(0, -'-Comment'.length)} (comment)` : part))].join(' › ');
}

function CarriedQuestion({ question, title, confirm }: { question: CarriedOnPage; title: string; confirm: (body: ConfirmBody) => Promise<void> }) {
  const { entries, dropped } = question;
  return (
    <li>
      {title}
      {entries ? (
        <span className="muted">
          {' '}
          ({entries.count} {entries.noun}
          {entries.count === 1 ? '' : 's'})
        </span>
      ) : null}
      {question.fromUnsubmitted ? <span className="muted"> (from a response that was never submitted)</span> : null}{' '}
      <button type="button" className="link-button" onClick={() => void confirm({ questions: [question.name] })}>
        Confirm<span className="visually-hidden"> {title}</span>
      </button>
      {dropped.length ? (
        <>
          <p className="muted">Left out because this version no longer offers it:</p>
          <ul>
            {dropped.map((d) => {
              const place = droppedPlace(question, d.path);
              return (
                <li key={`${d.path} ${d.message}`}>
                  {place ? `${place}: ` : ''}
                  {d.message}
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
    </li>
  );
}

/**
 * Answers carried forward from the last phase and not yet confirmed: the count, and those on the current page, with
 * how many rows or panels a dynamic question brought and what the new version could not take.
 */
export function CarriedPanel({
  onPage,
  unconfirmedTotal,
  pageName,
  error,
  confirm,
  titles,
}: {
  onPage: CarriedOnPage[];
  unconfirmedTotal: number;
  pageName: string;
  error: string | null;
  confirm: (body: ConfirmBody) => Promise<void>;
  titles: Record<string, string>;
}) {
  if (unconfirmedTotal <= 0) return null;
  return (
    <div className="notice carried-panel" role="region" aria-labelledby="carried-heading" data-testid="carried">
      <h2 id="carried-heading">Answers carried forward from the last phase</h2>
      <p>
        {unconfirmedTotal} answer{unconfirmedTotal === 1 ? '' : 's'} from the last phase {unconfirmedTotal === 1 ? 'is' : 'are'} still to be confirmed. Check
        each marked answer: change it if it is out of date, or confirm it as it stands.
      </p>
      {onPage.length ? (
        <>
          <ul>
            {onPage.map((c) => (
              <CarriedQuestion key={c.name} question={c} title={titles[c.name] ?? c.name} confirm={confirm} />
            ))}
          </ul>
          <button type="button" className="button button--secondary" onClick={() => void confirm({ page: pageName })}>
            Confirm all {onPage.length} carried answer{onPage.length === 1 ? '' : 's'} on this page
          </button>
        </>
      ) : (
        <p>None on this page.</p>
      )}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
