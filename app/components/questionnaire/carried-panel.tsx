import type { CarriedOnPage } from './use-questionnaire';

type ConfirmBody = { questions: string[] } | { page: string };

/** Answers carried forward from the last phase and not yet confirmed: the count, and those on the current page. */
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
              <li key={c.name}>
                {titles[c.name] ?? c.name}
                {c.fromUnsubmitted ? <span className="muted"> (from a response that was never submitted)</span> : null}{' '}
                <button type="button" className="link-button" onClick={() => void confirm({ questions: [c.name] })}>
                  Confirm<span className="visually-hidden"> {titles[c.name] ?? c.name}</span>
                </button>
              </li>
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
