import http from 'node:http';

/**
 * The load generator of the save benchmark, and the statistics it reports. One plain `node:http` client with a
 * keep-alive agent drives both the app and the bare reference, so the two are measured the same way.
 *
 * - Closed loop (saturation): a fixed number of editors, each sending its next save as soon as the last one is
 *   answered. The throughput is what the server can do; the latency is measured from send to the end of the reply.
 * - Open loop: each editor saves on a fixed schedule, whether or not the server keeps up. An editor never has two saves
 *   in flight (its next save follows the revision the last one returned), so a late reply delays its next send; the
 *   latency is measured from the scheduled send time, so time spent queueing behind a slow server counts.
 */

/** The p-th percentile (0–100) of values sorted ascending, nearest rank: the smallest value with p% at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  if (p <= 0) return sorted[0];
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1];
}

export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** What one save returned: `ok` only for a 200 (a 409 is an error like any other). */
export type Outcome = { ok: boolean; status: number };

export type LoadSummary = {
  /** saves sent and answered (or failed) */
  requests: number;
  errors: number;
  /** count of each failing status (0: no HTTP answer: a reset connection or a timeout) */
  errorStatuses: Record<string, number>;
  durationMs: number;
  /** successful saves per second over the phase */
  throughput: number;
  p50: number;
  p99: number;
  max: number;
};

/** Summarises one phase: latencies in milliseconds (every request, failed ones too), outcomes and its length. */
export function summarise(latencies: readonly number[], outcomes: readonly Outcome[], durationMs: number): LoadSummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const errorStatuses: Record<string, number> = {};
  let errors = 0;
  for (const outcome of outcomes) {
    if (outcome.ok) continue;
    errors++;
    errorStatuses[outcome.status] = (errorStatuses[outcome.status] ?? 0) + 1;
  }
  return {
    requests: outcomes.length,
    errors,
    errorStatuses,
    durationMs,
    throughput: durationMs > 0 ? ((outcomes.length - errors) * 1000) / durationMs : 0,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
  };
}

/** Saves per second offered by `editors` each saving every `intervalMs`. */
export function offeredRate(editors: number, intervalMs: number): number {
  return (editors * 1000) / intervalMs;
}

/**
 * When editor `index` of `editors` sends its saves, in ms from the start of an open-loop phase of `durationMs`: the
 * editors are spread evenly over one interval (editor i starts at i × interval / editors), then each repeats every
 * `intervalMs`. Sends at or after the end of the phase are not made.
 */
export function scheduledSends(index: number, editors: number, intervalMs: number, durationMs: number): number[] {
  const times: number[] = [];
  for (let t = (index * intervalMs) / editors; t < durationMs; t += intervalMs) times.push(t);
  return times;
}

/** The latency of an open-loop save: from when it was due to be sent (not when it could be) to its reply. */
export function openLoopLatency(scheduledAt: number, sentAt: number, answeredAt: number): { latency: number; queued: number } {
  return { latency: answeredAt - scheduledAt, queued: Math.max(0, sentAt - scheduledAt) };
}

/** An editor: sends its next save and says how it went (it keeps its own revision between saves). */
export type Editor = { save: () => Promise<Outcome> };

/**
 * Closed loop: every editor saves again as soon as its last save is answered, until `durationMs` has passed or
 * `requests` saves have been sent in all (whichever is given; both: the first reached).
 */
export async function closedLoop(editors: readonly Editor[], limit: { durationMs?: number; requests?: number }): Promise<LoadSummary> {
  const latencies: number[] = [];
  const outcomes: Outcome[] = [];
  const started = performance.now();
  const deadline = limit.durationMs === undefined ? Infinity : started + limit.durationMs;
  let sent = 0;
  const more = () => performance.now() < deadline && (limit.requests === undefined || sent < limit.requests);
  await Promise.all(
    editors.map(async (editor) => {
      while (more()) {
        sent++;
        const t0 = performance.now();
        const outcome = await editor.save();
        latencies.push(performance.now() - t0);
        outcomes.push(outcome);
      }
    }),
  );
  return summarise(latencies, outcomes, performance.now() - started);
}

export type OpenLoopSummary = LoadSummary & { offered: number; scheduled: number; maxQueuedMs: number };

/** Open loop: each editor saves every `intervalMs` for `durationMs` (see scheduledSends); latency from the scheduled time. */
export async function openLoop(editors: readonly Editor[], options: { intervalMs: number; durationMs: number }): Promise<OpenLoopSummary> {
  const latencies: number[] = [];
  const outcomes: Outcome[] = [];
  let maxQueuedMs = 0;
  let scheduled = 0;
  const started = performance.now();
  await Promise.all(
    editors.map(async (editor, index) => {
      for (const offset of scheduledSends(index, editors.length, options.intervalMs, options.durationMs)) {
        scheduled++;
        const due = started + offset;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const sentAt = performance.now();
        const outcome = await editor.save();
        const { latency, queued } = openLoopLatency(due, sentAt, performance.now());
        latencies.push(latency);
        outcomes.push(outcome);
        maxQueuedMs = Math.max(maxQueuedMs, queued);
      }
    }),
  );
  const summary = summarise(latencies, outcomes, performance.now() - started);
  return { ...summary, offered: offeredRate(editors.length, options.intervalMs), scheduled, maxQueuedMs };
}

export type Reply = { status: number; body: string; headers: http.IncomingHttpHeaders; ttfbMs: number; totalMs: number; bytes: number };

/**
 * One HTTP request with the client's agent: the status, the body as text, the time to the reply's headers (time to
 * first byte) and to its end, and the body's size in bytes as sent (no Accept-Encoding is sent unless given, so
 * that is the HTML's own size). A request without an answer within `timeoutMs` fails.
 */
export function send(
  agent: http.Agent,
  url: URL,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let ttfbMs = 0;
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body !== undefined) headers['Content-Length'] = Buffer.byteLength(options.body);
    const request = http.request(url, { agent, method: options.method ?? 'GET', headers }, (response) => {
      ttfbMs = performance.now() - started;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: response.statusCode ?? 0,
          body: body.toString('utf8'),
          headers: response.headers,
          ttfbMs,
          totalMs: performance.now() - started,
          bytes: body.length,
        });
      });
    });
    request.setTimeout(options.timeoutMs ?? 30_000, () => request.destroy(new Error(`no answer within ${options.timeoutMs ?? 30_000} ms`)));
    request.on('error', reject);
    request.end(options.body);
  });
}
