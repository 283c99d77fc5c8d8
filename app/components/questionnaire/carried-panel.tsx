import type { AskedAgainOnPage, CarriedOnPage } from './use-questionnaire';

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

/**
 * Questions asked again rather than carried forward (the new version marks them `askAgain`: the period they ask about
 * changed), so the manager knows why they are empty: those on the current page, each with the version's reason.
 */
export function AskedAgainPanel({ onPage, total, titles }: { onPage: AskedAgainOnPage[]; total: number; titles: Record<string, string> }) {
  if (total <= 0) return null;
  return (
    <div className="notice asked-again-panel" role="region" aria-labelledby="asked-again-heading" data-testid="asked-again">
      <h2 id="asked-again-heading">Questions asked again</h2>
      <p>
        {total} question{total === 1 ? ' is' : 's are'} empty because {total === 1 ? 'it is' : 'they are'} asked again: the period{' '}
        {total === 1 ? 'it covers' : 'they cover'} changed, so the last phase’s answer{total === 1 ? ' was' : 's were'} not carried forward.
      </p>
      {onPage.length ? (
        <ul>
          {onPage.map((a) => (
            <li key={a.name}>
              <strong>{titles[a.name] ?? a.name}</strong>: asked again: its period changed since {a.since}.{a.reason ? ` ${a.reason}` : ''}
            </li>
          ))}
        </ul>
      ) : (
        <p>None on this page.</p>
      )}
    </div>
  );
}
