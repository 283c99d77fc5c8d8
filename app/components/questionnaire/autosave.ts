/**
 * The questionnaire page's autosave, kept free of React and SurveyJS so its rules can be tested on their own.
 *
 * - Every change is queued per question and written to the browser's storage at once, so a closed tab or a dropped
 *   connection loses nothing; the queue is sent about a second after the user pauses (debounced), and at the latest five
 *   seconds after the first change not yet sent, so a manager who types on and on is still saved as they go. The status
 *   says "Saving…" from the first unsent change: it never says everything is saved while something waits.
 * - One request at a time, each with an id, so a retry of a request whose reply was lost is not applied twice.
 * - Network failures and server errors are retried with backoff (1 s doubling to 30 s) and at once when the browser
 *   comes back online; stored changes are sent when the page is opened again.
 * - A 409 conflict takes the conflicting questions out of the queue until the user keeps theirs or takes the other
 *   value; a 422 takes the invalid questions out until the user changes them again; the rest are sent.
 */

export type SaveState =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; at: Date }
  | { kind: 'offline'; waiting: number }
  | { kind: 'error'; message: string; waiting: number }
  | { kind: 'blocked'; message: string; waiting: number };

export type ConflictInfo = { question: string; mine: unknown; theirs: unknown; changedBy: string | null; changedAt: string };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON reply (a save or a problem+json), read field by field as docs/api.md describes
export type ServerReply = { status: number; body: any };

export type Transport = (body: unknown) => Promise<ServerReply>;

export type StoredQueue = { baseRevision: number; pending: Record<string, unknown>; page?: string };

export type AutosaveOptions = {
  responseId: number;
  baseRevision: number;
  send: Transport;
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  debounceMs?: number;
  /** The longest a change waits while the user keeps typing. */
  maxWaitMs?: number;
  onState?: (state: SaveState) => void;
  onConflicts?: (conflicts: ConflictInfo[]) => void;
  onInvalid?: (errors: Array<{ path: string; message: string }>) => void;
  onSaved?: (result: { revision: number; changed: string[]; progress?: { answered: number; answerable: number } }) => void;
  now?: () => Date;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  newId?: () => string;
};

const UNSET = null; // a cleared answer travels as null in the queue and as "unset" to the server

function isCleared(value: unknown) {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

export class AutosaveQueue {
  baseRevision: number;
  private pending = new Map<string, unknown>();
  private page: string | undefined;
  private held = new Map<string, unknown>(); // conflicting or invalid: waiting for the user
  private inFlight = false;
  /** The request last sent without an answer yet, sent again unchanged until one comes. */
  private unanswered: { body: Record<string, unknown>; batch: Map<string, unknown>; page: string | undefined } | null = null;
  private timer: unknown = null;
  private retryMs = 0;
  /** When the oldest change not yet sent was made (ms), or null when none waits. */
  private waitingSince: number | null = null;
  private lastChangeAt = 0;
  private lastState: SaveState['kind'] | null = null;
  private blocked: string | null = null;
  private readonly key: string;
  private readonly o: Required<Omit<AutosaveOptions, 'storage' | 'onConflicts' | 'onInvalid' | 'onSaved' | 'onState'>> & AutosaveOptions;

  constructor(options: AutosaveOptions) {
    this.o = {
      debounceMs: 1000,
      maxWaitMs: 5000,
      now: () => new Date(),
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      newId: () => (globalThis.crypto?.randomUUID ? globalThis.crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`),
      ...options,
    };
    this.baseRevision = options.baseRevision;
    this.key = `stocktake:unsaved:${options.responseId}`;
  }

  /** Changes left in storage by an earlier visit (closed tab, lost connection), to re-apply and send. */
  restore(): StoredQueue | null {
    const raw = this.o.storage?.getItem(this.key);
    if (!raw) return null;
    try {
      const stored = JSON.parse(raw) as StoredQueue;
      if (!stored || typeof stored.pending !== 'object' || !Object.keys(stored.pending).length) return null;
      // Keep the revision the changes were made on: conflicts with what others saved since are then detected.
      this.baseRevision = Math.min(this.baseRevision, stored.baseRevision);
      for (const [name, value] of Object.entries(stored.pending)) this.pending.set(name, value);
      this.page = stored.page;
      this.schedule(0);
      return stored;
    } catch {
      this.o.storage?.removeItem(this.key);
      return null;
    }
  }

  get waiting(): number {
    return this.pending.size + this.held.size;
  }

  hasUnsaved(): boolean {
    return this.waiting > 0 || this.inFlight;
  }

  change(question: string, value: unknown): void {
    this.held.delete(question);
    this.pending.set(question, isCleared(value) ? UNSET : value);
    this.persist();
    this.markWaiting();
    this.schedule(this.o.debounceMs);
  }

  setPage(page: string): void {
    this.page = page;
    this.persist();
    this.markWaiting();
    this.schedule(this.o.debounceMs);
  }

  /**
   * A change is waiting: its wait for the pause is counted from here, and a status that said everything was saved now
   * says it is being saved. Errors, conflicts, being offline or blocked keep their own status (with the count waiting).
   */
  private markWaiting() {
    this.lastChangeAt = this.o.now().getTime();
    this.waitingSince ??= this.lastChangeAt;
    if (this.lastState === null || this.lastState === 'idle' || this.lastState === 'saved') this.emit({ kind: 'saving' });
  }

  private emit(state: SaveState) {
    this.lastState = state.kind;
    this.o.onState?.(state);
  }

  /** The user keeps their value over the other person's: it is sent again on top of the current revision. */
  keepMine(question: string): void {
    if (!this.held.has(question)) return;
    this.pending.set(question, this.held.get(question));
    this.held.delete(question);
    this.persist();
    this.schedule(0);
  }

  /** The user takes the other person's value: their own change is dropped. */
  takeTheirs(question: string): void {
    this.held.delete(question);
    this.persist();
    this.emitIdleOrSaved();
  }

  /** Sends now (before submitting); resolves when nothing is queued or in flight, or rejects with the reason. */
  async flushNow(): Promise<void> {
    if (this.timer) this.o.clearTimer(this.timer);
    this.timer = null;
    for (let attempt = 0; attempt < 20 && (this.pending.size || this.inFlight); attempt++) {
      if (!this.inFlight) await this.flush();
      else await new Promise<void>((resolve) => this.o.setTimer(() => resolve(), 100));
      if (this.blocked) throw new Error(this.blocked);
    }
    if (this.pending.size) throw new Error('Some changes could not be saved yet.');
    if (this.held.size) throw new Error('Resolve the marked answers first.');
  }

  private lastSavedAt: Date | null = null;

  private emitIdleOrSaved() {
    if (this.blocked) return;
    if (this.waiting === 0) this.emit(this.lastSavedAt ? { kind: 'saved', at: this.lastSavedAt } : { kind: 'idle' });
  }

  private persist() {
    if (!this.o.storage) return;
    const pending = Object.fromEntries([...this.held, ...this.pending]);
    if (!Object.keys(pending).length) {
      this.o.storage.removeItem(this.key);
      return;
    }
    try {
      this.o.storage.setItem(this.key, JSON.stringify({ baseRevision: this.baseRevision, pending, page: this.page } satisfies StoredQueue));
    } catch {
      // storage full or disabled: the queue in memory still holds the changes
    }
  }

  private schedule(ms: number) {
    if (this.blocked) return;
    if (this.timer) this.o.clearTimer(this.timer);
    // Never later than the longest wait for the oldest unsent change (a retry's backoff is not shortened by it).
    const due = this.waitingSince === null || this.retryMs ? ms : Math.min(ms, Math.max(0, this.waitingSince + this.o.maxWaitMs - this.o.now().getTime()));
    this.timer = this.o.setTimer(() => {
      this.timer = null;
      void this.flush();
    }, due);
  }

  /** Another write (confirming carried answers) moved the response on: later saves start from there. */
  advanceTo(revision: number): void {
    this.baseRevision = Math.max(this.baseRevision, revision);
    this.persist();
  }

  /** Called when the browser reports it is online again. */
  retryNow(): void {
    this.retryMs = 0;
    if (this.pending.size || this.page !== undefined) this.schedule(0);
  }

  private async flush(): Promise<void> {
    if (this.inFlight || this.blocked) return;
    // A request whose answer never came (the connection dropped, the server failed) is sent again as it was, with the
    // same change id: if the server had applied it, it answers with that revision instead of applying it twice.
    let attempt = this.unanswered;
    if (!attempt) {
      if (!this.pending.size && this.page === undefined) return;
      const batch = new Map(this.pending);
      const page = this.page;
      const set: Record<string, unknown> = {};
      const unset: string[] = [];
      for (const [name, value] of batch) {
        if (value === UNSET) unset.push(name);
        else set[name] = value;
      }
      const body = { baseRevision: this.baseRevision, set, unset, changeId: this.o.newId(), ...(page !== undefined ? { page } : {}) };
      attempt = { body, batch, page };
      this.unanswered = attempt;
      this.waitingSince = null; // what changes from now on waits from its own first change
    }
    const { body, batch, page } = attempt;
    this.inFlight = true;
    this.emit({ kind: 'saving' });
    let reply: ServerReply;
    try {
      reply = await this.o.send(body);
    } catch {
      this.inFlight = false;
      this.backoff({ kind: 'offline', waiting: this.waiting });
      return;
    }
    this.inFlight = false;
    // A definite answer about this change (saved, conflict, invalid, refused): the next request is a new change.
    // 401 and server errors say nothing about whether it was applied, so it stays to be sent again as it was.
    if (reply.status !== 401 && reply.status < 500) this.unanswered = null;
    const settle = () => {
      for (const [name, value] of batch) if (this.pending.get(name) === value) this.pending.delete(name);
      if (this.page === page) this.page = undefined;
    };

    if (reply.status === 200) {
      this.retryMs = 0;
      settle();
      this.baseRevision = Math.max(this.baseRevision, reply.body.revision);
      this.lastSavedAt = this.o.now();
      this.persist();
      this.o.onSaved?.({ revision: reply.body.revision, changed: reply.body.changed ?? [], progress: reply.body.progress });
      // What changed meanwhile goes once the user pauses (or has waited long enough), not at every keystroke.
      if (this.pending.size) this.schedule(Math.max(0, this.lastChangeAt + this.o.debounceMs - this.o.now().getTime()));
      else this.emitIdleOrSaved();
      if (this.held.size) this.emit({ kind: 'error', message: 'Some answers need your attention before they can be saved.', waiting: this.waiting });
      return;
    }
    if (reply.status === 409 && reply.body?.reason === 'conflict') {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one conflict of the 409 body (docs/api.md)
      const conflicts: ConflictInfo[] = (reply.body.conflicts ?? []).map((c: any) => ({
        question: c.question,
        mine: batch.get(c.question),
        theirs: c.currentValue,
        changedBy: c.changedBy?.name ?? null,
        changedAt: c.changedAt,
      }));
      for (const c of conflicts) {
        this.held.set(c.question, batch.get(c.question));
        this.pending.delete(c.question);
      }
      this.baseRevision = reply.body.currentRevision;
      this.persist();
      this.o.onConflicts?.(conflicts);
      this.emit({ kind: 'error', message: 'Someone else changed some of the same answers. Choose which to keep.', waiting: this.waiting });
      if (this.pending.size) this.schedule(0);
      return;
    }
    if (reply.status === 422 && Array.isArray(reply.body?.errors)) {
      const errors = reply.body.errors as Array<{ path: string; message: string }>;
      for (const error of errors) {
        const question = error.path.split('.')[0];
        if (batch.has(question)) {
          this.held.set(question, batch.get(question));
          this.pending.delete(question);
        }
      }
      this.persist();
      this.o.onInvalid?.(errors);
      this.emit({ kind: 'error', message: 'Some answers are not valid and were not saved: see the marked questions.', waiting: this.waiting });
      if (this.pending.size) this.schedule(0);
      return;
    }
    if (reply.status === 409 || reply.status === 403 || reply.status === 404) {
      this.blocked = reply.body?.detail ?? 'This response can no longer be changed.';
      this.emit({ kind: 'blocked', message: this.blocked!, waiting: this.waiting });
      return;
    }
    if (reply.status === 401) {
      this.backoff({
        kind: 'error',
        message: 'You have been signed out. Sign in again in another tab; your changes are kept in this browser.',
        waiting: this.waiting,
      });
      return;
    }
    this.backoff({ kind: 'error', message: `The server could not save (${reply.status}); retrying.`, waiting: this.waiting });
  }

  private backoff(state: SaveState) {
    this.retryMs = this.retryMs ? Math.min(this.retryMs * 2, 30_000) : 1000;
    this.emit(state);
    this.schedule(this.retryMs);
  }

  dispose(): void {
    if (this.timer) this.o.clearTimer(this.timer);
    this.timer = null;
  }
}
