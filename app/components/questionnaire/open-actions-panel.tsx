import { Link } from '@remix-run/react';
import { formatDate } from '~/utils/format';

export type OpenActionOnPage = {
  id: number;
  ref: string;
  title: string;
  owner: string;
  targetDate: string | null;
  status: string;
  overdue: boolean;
  raisedIn: string | null;
};

const STATUS: Record<string, string> = { open: 'Not started', in_progress: 'In progress' };

/**
 * The team's open actions from the register, on its next-phase questionnaire page: what it said it would do, by when,
 * and whether it is overdue (said in words, never by colour alone). When the questionnaire follows them up, the
 * answers update the register on submit; otherwise each action is updated on its own page.
 */
export function OpenActionsPanel({ actions, followedUp, earlierRound }: { actions: OpenActionOnPage[]; followedUp: boolean; earlierRound: string | null }) {
  if (!actions.length) return null;
  const overdue = actions.filter((a) => a.overdue).length;
  return (
    <section className="notice open-actions" aria-labelledby="open-actions-heading">
      <h2 id="open-actions-heading">Your open actions{earlierRound ? ` from ${earlierRound}` : ''}</h2>
      <p>
        {actions.length} action{actions.length === 1 ? ' is' : 's are'} still open in the review’s action register
        {overdue ? `, ${overdue} of them past their target date` : ''}.{' '}
        {followedUp
          ? 'This questionnaire asks what has happened to each: your answers update the register when you submit.'
          : 'Update each one on its own page when it moves on.'}
      </p>
      <table className="data-table">
        <caption className="visually-hidden">Open actions of your team</caption>
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">What was agreed</th>
            <th scope="col">Owner</th>
            <th scope="col">Target date</th>
            <th scope="col">Progress</th>
          </tr>
        </thead>
        <tbody>
          {actions.map((a) => (
            <tr key={a.id}>
              <td>
                <Link to={`/actions/${a.id}`}>{a.ref}</Link>
              </td>
              <td>
                {a.title}
                {a.raisedIn ? <span className="muted"> ({a.raisedIn})</span> : null}
              </td>
              <td>{a.owner || <span className="muted">not named</span>}</td>
              <td>
                {a.targetDate ? formatDate(a.targetDate) : <span className="muted">none</span>}
                {a.overdue ? (
                  <>
                    {' '}
                    <span className="tag tag--overdue">Overdue</span>
                  </>
                ) : null}
              </td>
              <td>{STATUS[a.status] ?? a.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
