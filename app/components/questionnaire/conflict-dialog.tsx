import { formatTime } from '~/utils/format';
import type { ConflictInfo } from './autosave';

function describeValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(no answer)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Answers someone else changed while the manager was editing them: keep theirs or the manager's, one by one. */
export function ConflictDialog({
  conflicts,
  titles,
  onResolve,
}: {
  conflicts: ConflictInfo[];
  titles: Record<string, string>;
  onResolve: (conflict: ConflictInfo, keep: 'mine' | 'theirs') => void;
}) {
  if (!conflicts.length) return null;
  return (
    <div className="conflicts" role="alert" data-testid="conflicts">
      <h2>Someone else changed {conflicts.length === 1 ? 'an answer' : 'answers'} you were editing</h2>
      {conflicts.map((conflict) => (
        <div key={conflict.question} className="conflict">
          <p>
            <strong>{titles[conflict.question] ?? conflict.question}</strong>
          </p>
          <p>
            Your answer: <span className="value">{describeValue(conflict.mine)}</span>
            <br />
            {conflict.changedBy ?? 'Someone'} saved <span className="value">{describeValue(conflict.theirs)}</span> at {formatTime(conflict.changedAt)}.
          </p>
          <div className="button-row">
            <button type="button" className="button" onClick={() => onResolve(conflict, 'mine')}>
              Keep my answer
            </button>
            <button type="button" className="button button--secondary" onClick={() => onResolve(conflict, 'theirs')}>
              Use their answer
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
