import { describe, expect, it } from 'vitest';
import { AutosaveQueue, type AutosaveOptions, type ConflictInfo, type SaveState, type ServerReply } from '../app/components/questionnaire/autosave';

// The browser queue behind the questionnaire page, driven with a fake clock, a fake localStorage and a fake server
// whose replies each test gives by hand: no React, no SurveyJS, no network.

/** Lets the queue's promise chains run (a real macrotask; the queue's own timers are fake). */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function fakeClock() {
  let now = Date.UTC(2025, 0, 6, 9, 0, 0);
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    scheduled: [] as number[], // every delay asked for, in order
    setTimer(fn: () => void, ms: number) {
      this.scheduled.push(ms);
      timers.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimer: (handle: unknown) => void timers.delete(handle as number),
    now: () => new Date(now),
    /** Moves time on, running each timer that falls due and letting what it starts settle. */
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await settle();
      }
      now = end;
      await settle();
    },
    /** Delays until the timers still waiting. */
    waiting: () => [...timers.values()].map((t) => t.at - now),
  };
}

function fakeStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

/** Each request waits until the test replies to it or fails it (a dropped connection). */
function fakeServer() {
  const requests: Array<{ body: any; reply: (reply: ServerReply) => Promise<void>; fail: () => Promise<void> }> = [];
  const send = (body: unknown) =>
    new Promise<ServerReply>((resolve, reject) => {
      requests.push({
        body,
        reply: async (reply) => {
          resolve(reply);
          await settle();
        },
        fail: async () => {
          reject(new TypeError('Failed to fetch'));
          await settle();
        },
      });
    });
  return { send, requests, last: () => requests[requests.length - 1] };
}

const saved = (revision: number, changed: string[]): ServerReply => ({
  status: 200,
  body: { revision, changed, progress: { answered: changed.length, answerable: 10 } },
});

function setUp(overrides: Partial<AutosaveOptions> = {}) {
  const clock = fakeClock();
  const storage = fakeStorage();
  const server = fakeServer();
  const states: SaveState[] = [];
  const conflicts: ConflictInfo[][] = [];
  const invalid: Array<Array<{ path: string; message: string }>> = [];
  let ids = 0;
  const options: AutosaveOptions = {
    responseId: 7,
    baseRevision: 3,
    send: server.send,
    storage,
    onState: (state) => states.push(state),
    onConflicts: (found) => conflicts.push(found),
    onInvalid: (errors) => invalid.push(errors),
    now: clock.now,
    setTimer: (fn, ms) => clock.setTimer(fn, ms),
    clearTimer: clock.clearTimer,
    newId: () => `change-${++ids}`,
    ...overrides,
  };
  const queue = new AutosaveQueue(options);
  const stored = () => {
    const raw = storage.getItem('stocktake:unsaved:7');
    return raw ? JSON.parse(raw) : null;
  };
  return { queue, clock, storage, server, states, conflicts, invalid, stored, options };
}

describe('the questionnaire autosave queue', () => {
  it('keeps changes made offline in storage, says how many wait, and sends them once the connection returns', async () => {
    const { queue, clock, server, states, stored } = setUp();
    queue.change('total_cases', 150);
    queue.change('case_holding_workers', 6);
    // In storage at once, before anything is sent: a closed tab loses nothing.
    expect(stored()).toEqual({ baseRevision: 3, pending: { total_cases: 150, case_holding_workers: 6 } });
    expect(server.requests).toHaveLength(0);

    await clock.advance(1000); // the pause after typing
    expect(server.requests).toHaveLength(1);
    await server.last().fail();
    expect(states.at(-1)).toEqual({ kind: 'offline', waiting: 2 });
    expect(queue.waiting).toBe(2);
    expect(queue.hasUnsaved()).toBe(true);
    expect(stored().pending).toEqual({ total_cases: 150, case_holding_workers: 6 });

    queue.retryNow(); // the browser's 'online' event
    await clock.advance(0);
    expect(server.requests).toHaveLength(2);
    expect(server.last().body).toMatchObject({ baseRevision: 3, set: { total_cases: 150, case_holding_workers: 6 }, unset: [] });
    await server.last().reply(saved(4, ['total_cases', 'case_holding_workers']));
    expect(queue.waiting).toBe(0);
    expect(queue.hasUnsaved()).toBe(false);
    expect(stored()).toBeNull();
    expect(states.at(-1)).toEqual({ kind: 'saved', at: clock.now() });
  });

  it('sends a request whose answer was lost again as it was, with the same change id, so the server never applies it twice', async () => {
    const { queue, clock, server } = setUp();
    queue.change('total_cases', 150);
    await clock.advance(1000);
    const first = server.last().body;
    await server.last().fail(); // the save may or may not have reached the server
    queue.change('unallocated_cases', 4); // typed while offline: goes in the next change, not into this one
    queue.retryNow();
    await clock.advance(0);
    expect(server.requests).toHaveLength(2);
    expect(server.last().body).toEqual(first);
    await server.last().reply({ status: 503, body: { detail: 'Service unavailable' } });
    await clock.advance(60_000);
    expect(server.last().body).toEqual(first);
    await server.last().reply(saved(4, ['total_cases']));
    await clock.advance(0);
    const next = server.last().body;
    expect(next.changeId).not.toBe(first.changeId);
    expect(next).toMatchObject({ baseRevision: 4, set: { unallocated_cases: 4 } });
  });

  it('retries failed saves with backoff, 1 s doubling to at most 30 s, and from 1 s again after a success', async () => {
    const { queue, clock, server, states } = setUp();
    queue.change('total_cases', 150);
    await clock.advance(1000);
    const delays: number[] = [];
    for (let attempt = 0; attempt < 7; attempt++) {
      // A server error and a network failure are both retried.
      if (attempt % 2) await server.last().fail();
      else await server.last().reply({ status: 503, body: null });
      const [delay] = clock.waiting();
      delays.push(delay);
      await clock.advance(delay - 1);
      expect(server.requests).toHaveLength(attempt + 1); // not before the delay is up
      await clock.advance(1);
      expect(server.requests).toHaveLength(attempt + 2);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(states).toContainEqual({ kind: 'error', message: 'The server could not save (503); retrying.', waiting: 1 });
    // A success starts the backoff again from 1 s.
    await server.last().reply(saved(4, ['total_cases']));
    queue.change('total_cases', 151);
    await clock.advance(1000);
    await server.last().fail();
    expect(clock.waiting()).toEqual([1000]);
  });

  it('sends only the latest value of a question changed twice, and both questions of changes to different ones, in one request', async () => {
    const { queue, clock, server } = setUp();
    queue.change('total_cases', 140);
    await clock.advance(500);
    queue.change('total_cases', 150); // typing on: the pause starts again
    queue.change('case_holding_workers', 6);
    await clock.advance(999);
    expect(server.requests).toHaveLength(0);
    await clock.advance(1);
    expect(server.requests).toHaveLength(1);
    expect(server.last().body).toEqual({ baseRevision: 3, set: { total_cases: 150, case_holding_workers: 6 }, unset: [], changeId: 'change-1' });
  });

  it('saves a manager who types on without a pause at the latest five seconds after their first unsent change', async () => {
    const { queue, clock, server } = setUp();
    for (let n = 1; n <= 9; n++) {
      queue.change('pressures', 'x'.repeat(n)); // a keystroke every 600 ms: never a one-second pause
      await clock.advance(600);
    }
    expect(server.requests).toHaveLength(1);
    expect(server.last().body.set).toEqual({ pressures: 'x'.repeat(9) }); // sent at 5 s, with the 9th keystroke (4.8 s)
    await server.last().reply(saved(4, ['pressures']));
    // The next change waits from its own first keystroke, not from the first change of the last request.
    queue.change('pressures', 'y');
    await clock.advance(999);
    expect(server.requests).toHaveLength(1);
    await clock.advance(1);
    expect(server.requests).toHaveLength(2);
    // Typing on while that one is on its way: the reply does not send each keystroke at once, only after the pause.
    queue.change('pressures', 'yz');
    await clock.advance(200);
    await server.last().reply(saved(5, ['pressures']));
    expect(server.requests).toHaveLength(2);
    await clock.advance(799);
    expect(server.requests).toHaveLength(2);
    await clock.advance(1);
    expect(server.requests).toHaveLength(3);
  });

  it('says "saving" from the first change not yet sent, never "saved" while a change waits', async () => {
    const { queue, clock, server, states } = setUp();
    queue.change('total_cases', 150);
    expect(states.at(-1)).toEqual({ kind: 'saving' });
    await clock.advance(1000);
    await server.last().reply(saved(4, ['total_cases']));
    expect(states.at(-1)?.kind).toBe('saved');
    const count = states.length;
    queue.change('case_holding_workers', 6);
    queue.change('case_holding_workers', 7);
    expect(states.slice(count)).toEqual([{ kind: 'saving' }]); // once, not at every keystroke
    await clock.advance(1000);
    await server.last().reply(saved(5, ['case_holding_workers']));
    expect(states.at(-1)?.kind).toBe('saved');
  });

  it('sends one request at a time: a change made while one is in flight goes next, on the new revision, and is not lost', async () => {
    const { queue, clock, server, stored } = setUp();
    queue.change('total_cases', 150);
    queue.change('case_holding_workers', 6);
    await clock.advance(1000);
    const first = server.last();
    // While the first save is on its way: the same question again, a cleared answer, and a new question.
    queue.change('total_cases', 160);
    queue.change('case_holding_workers', '');
    queue.change('vacancies', 2);
    await clock.advance(5000);
    expect(server.requests).toHaveLength(1);

    await first.reply(saved(4, ['total_cases', 'case_holding_workers']));
    // The first reply settles only what it carried: the later values are still waiting, in memory and in storage.
    expect(stored().pending).toEqual({ total_cases: 160, case_holding_workers: null, vacancies: 2 });
    await clock.advance(0);
    expect(server.requests).toHaveLength(2);
    expect(server.last().body).toMatchObject({ baseRevision: 4, set: { total_cases: 160, vacancies: 2 }, unset: ['case_holding_workers'] });
    await server.last().reply(saved(5, ['total_cases', 'case_holding_workers', 'vacancies']));
    expect(queue.waiting).toBe(0);
    expect(stored()).toBeNull();
  });

  describe('a 409 conflict with a colleague', () => {
    const conflictReply: ServerReply = {
      status: 409,
      body: {
        reason: 'conflict',
        currentRevision: 6,
        conflicts: [{ question: 'total_cases', currentValue: 170, changedBy: { name: 'Sam Colleague' }, changedAt: '2025-01-06T09:00:30Z' }],
      },
    };

    async function conflicted() {
      const setup = setUp();
      setup.queue.change('total_cases', 150);
      setup.queue.change('vacancies', 2);
      await setup.clock.advance(1000);
      await setup.server.last().reply(conflictReply);
      return setup;
    }

    it('holds the conflicting answer for the manager, shows both values, and saves the others at once', async () => {
      const { queue, clock, server, conflicts, states, stored } = await conflicted();
      expect(conflicts).toEqual([[{ question: 'total_cases', mine: 150, theirs: 170, changedBy: 'Sam Colleague', changedAt: '2025-01-06T09:00:30Z' }]]);
      expect(states.at(-1)).toMatchObject({ kind: 'error', message: 'Someone else changed some of the same answers. Choose which to keep.' });
      expect(stored()).toEqual({ baseRevision: 6, pending: { total_cases: 150, vacancies: 2 } });
      await clock.advance(0);
      expect(server.requests).toHaveLength(2);
      expect(server.last().body).toMatchObject({ baseRevision: 6, set: { vacancies: 2 }, unset: [] });
      await server.last().reply(saved(7, ['vacancies']));
      // The held answer is not sent on its own, and still counts as waiting.
      await clock.advance(60_000);
      expect(server.requests).toHaveLength(2);
      expect(queue.waiting).toBe(1);
      await expect(queue.flushNow()).rejects.toThrow('Resolve the marked answers first.');
    });

    it('"Keep my answer" sends the manager\'s value again on top of the colleague\'s revision', async () => {
      const { queue, clock, server, stored } = await conflicted();
      await clock.advance(0);
      await server.last().reply(saved(7, ['vacancies']));
      queue.keepMine('total_cases');
      await clock.advance(0);
      expect(server.requests).toHaveLength(3);
      expect(server.last().body).toMatchObject({ baseRevision: 7, set: { total_cases: 150 }, unset: [] });
      await server.last().reply(saved(8, ['total_cases']));
      expect(queue.waiting).toBe(0);
      expect(stored()).toBeNull();
    });

    it('"Use their answer" drops the manager\'s value: nothing more is sent and nothing is left waiting', async () => {
      const { queue, clock, server, states, stored } = await conflicted();
      await clock.advance(0);
      await server.last().reply(saved(7, ['vacancies']));
      queue.takeTheirs('total_cases');
      await clock.advance(60_000);
      // Only the other answer was sent after the conflict.
      expect(server.requests.slice(1).map((r) => r.body.set)).toEqual([{ vacancies: 2 }]);
      expect(queue.waiting).toBe(0);
      expect(stored()).toBeNull();
      expect(states.at(-1)).toEqual({ kind: 'saved', at: expect.any(Date) });
      await expect(queue.flushNow()).resolves.toBeUndefined();
    });
  });

  it('a 422 marks the invalid question, holds its value until it is changed, and saves the valid ones', async () => {
    const { queue, clock, server, invalid, states } = setUp();
    queue.change('monthly_activity', { referrals: { april: -3 } });
    queue.change('vacancies', 2);
    await clock.advance(1000);
    const errors = [{ path: 'monthly_activity.referrals.april', message: 'Enter a number of 0 or more.' }];
    await server.last().reply({ status: 422, body: { errors } });
    expect(invalid).toEqual([errors]); // the page adds the message to that question
    expect(states.at(-1)).toMatchObject({ kind: 'error', message: 'Some answers are not valid and were not saved: see the marked questions.' });
    await clock.advance(0);
    expect(server.requests).toHaveLength(2);
    expect(server.last().body.set).toEqual({ vacancies: 2 });
    await server.last().reply(saved(4, ['vacancies']));
    await clock.advance(60_000);
    expect(server.requests).toHaveLength(2); // the invalid value is not sent again on its own
    expect(queue.waiting).toBe(1);

    queue.change('monthly_activity', { referrals: { april: 3 } });
    await clock.advance(1000);
    expect(server.requests).toHaveLength(3);
    expect(server.last().body).toMatchObject({ baseRevision: 4, set: { monthly_activity: { referrals: { april: 3 } } } });
  });

  it('after a reload, restores the changes left in storage on the revision they were made on, with the page, and sends them at once', async () => {
    const first = setUp();
    first.queue.change('total_cases', 150);
    first.queue.setPage('caseloads');
    await first.clock.advance(1000);
    await first.server.last().fail();
    first.queue.dispose(); // the tab is closed

    // The next visit: the page's data is at revision 5 now (a colleague saved meanwhile).
    const again = setUp({ baseRevision: 5, storage: first.storage });
    const restored = again.queue.restore();
    expect(restored).toEqual({ baseRevision: 3, pending: { total_cases: 150 }, page: 'caseloads' });
    expect(again.queue.waiting).toBe(1);
    await again.clock.advance(0);
    expect(again.server.requests).toHaveLength(1);
    // Revision 3, not 5: a colleague's change to the same question since then is reported as a conflict.
    expect(again.server.last().body).toMatchObject({ baseRevision: 3, set: { total_cases: 150 }, unset: [], page: 'caseloads' });
    await again.server.last().reply(saved(6, ['total_cases']));
    expect(again.stored()).toBeNull();
    // Nothing stored: nothing to restore.
    expect(setUp({ storage: first.storage }).queue.restore()).toBeNull();
  });
});
