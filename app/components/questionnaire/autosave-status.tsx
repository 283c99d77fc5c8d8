import { formatTime } from '~/utils/format';
import type { SaveState } from './autosave';

/** Where the manager's changes are: a polite live region, kept in view while they scroll (sticky). */
export function AutosaveStatus({ state, waiting }: { state: SaveState; waiting: number }) {
  let text = '';
  let tone = '';
  switch (state.kind) {
    case 'idle':
      text = 'Changes are saved as you go.';
      break;
    case 'saving':
      text = 'Saving…';
      break;
    case 'saved':
      text = `All changes saved at ${formatTime(state.at)}`;
      tone = 'ok';
      break;
    case 'offline':
      text = `Offline: ${state.waiting} change${state.waiting === 1 ? '' : 's'} waiting. They are kept in this browser and sent when the connection returns.`;
      tone = 'warn';
      break;
    case 'error':
      text = `${state.message}${waiting ? ` (${waiting} waiting)` : ''}`;
      tone = 'warn';
      break;
    case 'blocked':
      text = `${state.message}${waiting ? ` ${waiting} unsaved change${waiting === 1 ? ' is' : 's are'} kept in this browser.` : ''}`;
      tone = 'warn';
      break;
  }
  return (
    <p className={`save-status save-status--${tone || 'plain'}`} role="status" aria-live="polite" data-testid="save-status">
      {text}
    </p>
  );
}

/** Changes a closed tab or a lost connection left in this browser, put back and being sent. */
export function RestoredNotice({ count }: { count: number }) {
  if (!count) return null;
  return (
    <p className="notice" role="status">
      {count} change{count === 1 ? '' : 's'} made earlier in this browser but not yet saved {count === 1 ? 'has' : 'have'} been restored and{' '}
      {count === 1 ? 'is' : 'are'} being saved now.
    </p>
  );
}
