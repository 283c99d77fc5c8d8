import type { RefObject } from 'react';
import { formatDateTime } from '~/utils/format';
import type { AnswerError } from './use-questionnaire';

/** A reviewer sent the response back: their reason, and links to the questions they asked about. */
export function ReturnedNotice({
  reason,
  returnedAt,
  questions,
  titles,
  goTo,
}: {
  reason: string;
  returnedAt: string | null;
  questions: string[];
  titles: Record<string, string>;
  goTo: (question: string) => void;
}) {
  return (
    <div className="notice notice--warning" role="note">
      <h2>Returned for correction{returnedAt ? ` on ${formatDateTime(returnedAt)}` : ''}</h2>
      <p>{reason}</p>
      {questions.length ? (
        <>
          <p>The reviewer asked you to look at:</p>
          <ul>
            {questions.map((name) => (
              <li key={name}>
                <button type="button" className="link-button" onClick={() => goTo(name)}>
                  {titles[name] ?? name}
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

/** Why the response cannot be changed now (submitted, round closed), with who submitted it and when. */
export function ReadOnlyNotice({ reason, submittedAt, submittedBy }: { reason: string; submittedAt: string | null; submittedBy: string | null }) {
  return (
    <div className="notice" role="note">
      {submittedAt ? (
        <p>
          Submitted {formatDateTime(submittedAt)}
          {submittedBy ? ` by ${submittedBy}` : ''}.
        </p>
      ) : null}
      <p>{reason}</p>
    </div>
  );
}

/** What stopped the submission, each linked to its question; focused when shown so screen readers announce it. */
export function SubmitErrorSummary({
  errors,
  titles,
  goTo,
  summaryRef,
}: {
  errors: AnswerError[];
  titles: Record<string, string>;
  goTo: (question: string) => void;
  summaryRef: RefObject<HTMLDivElement>;
}) {
  if (!errors.length) return null;
  return (
    <div className="error-summary" role="alert" tabIndex={-1} ref={summaryRef}>
      <h2>The questionnaire cannot be submitted yet</h2>
      <ul>
        {errors.map((error, index) => {
          const name = error.path.split('.')[0];
          return (
            <li key={index}>
              {name ? (
                <button type="button" className="link-button" onClick={() => goTo(name)}>
                  {titles[name] ?? name}: {error.message}
                </button>
              ) : (
                error.message
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
