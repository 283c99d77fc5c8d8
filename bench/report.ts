import fs from 'node:fs';
import os from 'node:os';

/**
 * docs/benchmarks.md holds one section per part of the benchmark between markers, so a run of one part
 * (`--only saves`) rewrites its own section and keeps the others' last results.
 */

export const PARTS = ['figures', 'saves', 'pages'] as const;
export type Part = (typeof PARTS)[number];

const start = (part: Part) => `<!-- bench:${part}:start -->`;
const end = (part: Part) => `<!-- bench:${part}:end -->`;

/** The document with the section of `part` replaced by `body` (added at the end when the document has no such section). */
export function replaceSection(document: string, part: Part, body: string): string {
  const block = `${start(part)}\n${body.trim()}\n${end(part)}`;
  const from = document.indexOf(start(part));
  const to = document.indexOf(end(part));
  if (from === -1 || to === -1 || to < from) return `${document.trimEnd()}\n\n${block}\n`;
  return document.slice(0, from) + block + document.slice(to + end(part).length);
}

export function writeSection(file: string, part: Part, body: string): void {
  const document = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  fs.writeFileSync(file, replaceSection(document, part, body));
}

const loadText = (load: number[]) => load.map((l) => l.toFixed(1)).join(', ');

/** One line on the machine and its load average at the start and end of the part's run. */
export function machineLine(serverVersion: string, load: { before: number[]; after: number[] }): string {
  return (
    `Run on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} CPU cores (${os.cpus()[0]?.model.trim() ?? 'unknown'}), ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GB of memory, ${serverVersion} with its default settings. Load average (1, 5, 15 min) ` +
    `${loadText(load.before)} at the start and ${loadText(load.after)} at the end (above 2 means other work shared the two cores).`
  );
}

export const met = (ok: boolean) => (ok ? 'met' : '**not met**');
export const ms = (value: number) => (Number.isFinite(value) ? (value >= 100 ? value.toFixed(0) : value.toFixed(1)) : '–');
export const num = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–';
export const kb = (bytes: number) => `${(bytes / 1024).toLocaleString('en-GB', { maximumFractionDigits: 0 })} KB`;
export const mb = (bytes: number) => `${(bytes / 2 ** 20).toLocaleString('en-GB', { maximumFractionDigits: 0 })} MB`;
