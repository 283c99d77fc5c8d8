import { describe, expect, it } from 'vitest';
import { closedLoop, median, offeredRate, openLoopLatency, percentile, scheduledSends, summarise, type Outcome } from '../bench/load';
import { replaceSection } from '../bench/report';
import { freeTextQuestions } from '../bench/saves';

/** The benchmark's arithmetic (bench/load.ts, bench/report.ts): no timing is asserted, only what is computed from it. */

describe('percentiles', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it('are nearest-rank: the smallest value with p% of the values at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile([5, 7, 9], 50)).toBe(7);
    expect(percentile([5, 7, 9], 99)).toBe(9);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 50)).toBeNaN();
  });

  it('p99 of a thousand values is the 990th, so the ten slowest are above it', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    expect(percentile(values, 99)).toBe(989);
  });

  it('medians average the middle two of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('a phase summary', () => {
  it('counts every reply but a 200 as an error, by status, and the throughput of successes only', () => {
    const outcomes: Outcome[] = [
      { ok: true, status: 200 },
      { ok: true, status: 200 },
      { ok: false, status: 409 },
      { ok: false, status: 0 },
      { ok: false, status: 409 },
    ];
    const summary = summarise([30, 10, 20, 50, 40], outcomes, 2000);
    expect(summary.requests).toBe(5);
    expect(summary.errors).toBe(3);
    expect(summary.errorStatuses).toEqual({ '409': 2, '0': 1 });
    expect(summary.throughput).toBe(1); // 2 saves in 2 s
    expect(summary.p50).toBe(30);
    expect(summary.p99).toBe(50);
    expect(summary.max).toBe(50);
  });
});

describe('the open loop schedule', () => {
  it('200 managers each saving every 2 s offer 100 saves a second', () => {
    expect(offeredRate(200, 2000)).toBe(100);
    expect(offeredRate(50, 1000)).toBe(50);
  });

  it('spreads the managers evenly over one interval and repeats each every interval, inside the phase', () => {
    expect(scheduledSends(0, 200, 2000, 10_000)).toEqual([0, 2000, 4000, 6000, 8000]);
    expect(scheduledSends(1, 200, 2000, 10_000)).toEqual([10, 2010, 4010, 6010, 8010]);
    expect(scheduledSends(199, 200, 2000, 10_000)).toEqual([1990, 3990, 5990, 7990, 9990]);
    // Every send of the phase: 100 a second for 10 s, one every 10 ms.
    const all = Array.from({ length: 200 }, (_, i) => scheduledSends(i, 200, 2000, 10_000)).flat();
    expect(all).toHaveLength(1000);
    const sorted = [...all].sort((a, b) => a - b);
    expect(sorted.every((t, i) => Math.abs(t - i * 10) < 1e-9)).toBe(true);
  });

  it('a phase shorter than the spread sends only the managers whose turn comes', () => {
    expect(Array.from({ length: 200 }, (_, i) => scheduledSends(i, 200, 2000, 1000)).flat()).toHaveLength(100);
  });

  it('measures latency from the scheduled time, so waiting for the last save to end counts', () => {
    expect(openLoopLatency(1000, 1000, 1012)).toEqual({ latency: 12, queued: 0 });
    // Due at 1000, could only be sent at 1300 (the manager's previous save was still out), answered at 1310.
    expect(openLoopLatency(1000, 1300, 1310)).toEqual({ latency: 310, queued: 300 });
  });
});

describe('the closed loop', () => {
  it('stops after the number of saves asked for, however many editors', async () => {
    let calls = 0;
    const editor = { save: async (): Promise<Outcome> => ({ ok: ++calls % 10 !== 0, status: calls % 10 !== 0 ? 200 : 409 }) };
    const summary = await closedLoop([editor, editor, editor], { requests: 100 });
    expect(summary.requests).toBe(100);
    expect(calls).toBe(100);
    expect(summary.errors).toBe(10);
  });
});

describe('docs/benchmarks.md sections', () => {
  const doc =
    '# Benchmarks\n\nHow to run.\n\n<!-- bench:figures:start -->\nold figures\n<!-- bench:figures:end -->\n\n<!-- bench:saves:start -->\nold saves\n<!-- bench:saves:end -->\n';

  it('a part rewrites its own section and keeps the others', () => {
    const updated = replaceSection(doc, 'saves', '## Saves\n\nnew saves');
    expect(updated).toContain('old figures');
    expect(updated).toContain('<!-- bench:saves:start -->\n## Saves\n\nnew saves\n<!-- bench:saves:end -->');
    expect(updated).not.toContain('old saves');
    expect(updated.startsWith('# Benchmarks\n\nHow to run.')).toBe(true);
  });

  it('a part with no section yet is added at the end', () => {
    const updated = replaceSection(doc, 'pages', '## Pages');
    expect(updated).toContain('old saves');
    expect(updated.trimEnd().endsWith('<!-- bench:pages:start -->\n## Pages\n<!-- bench:pages:end -->')).toBe(true);
  });
});

describe('the questions the save benchmark writes', () => {
  it('are written questions with no condition on them or their panel, and no validators', () => {
    const definition = {
      pages: [
        {
          name: 'one',
          elements: [
            { type: 'comment', name: 'free' },
            { type: 'text', name: 'line' },
            { type: 'text', name: 'count', inputType: 'number' },
            { type: 'comment', name: 'shown_sometimes', visibleIf: '{x} = 1' },
            { type: 'comment', name: 'checked', validators: [{ type: 'text', maxLength: 10 }] },
            { type: 'panel', name: 'p', elements: [{ type: 'comment', name: 'in_panel' }] },
            { type: 'panel', name: 'q', visibleIf: '{x} = 2', elements: [{ type: 'comment', name: 'in_hidden_panel' }] },
            { type: 'paneldynamic', name: 'd', templateElements: [{ type: 'comment', name: 'in_dynamic' }] },
          ],
        },
      ],
    };
    expect(freeTextQuestions(definition)).toEqual(['free', 'line', 'in_panel']);
  });
});
