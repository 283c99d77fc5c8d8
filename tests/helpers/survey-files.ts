import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A copy of a questionnaire folder in a temporary folder, with `change` applied to its files. */
export function copySurveys(source: string, change: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-surveys-'));
  fs.cpSync(source, dir, { recursive: true });
  change(dir);
  return dir;
}

/** Reads a JSON file, lets `edit` change it in place, and writes it back. */
export function editJson(file: string, edit: (json: any) => void) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
}

/** The questions of a version file, by name, to edit in place. */
export function questionsOf(json: any): Record<string, any> {
  return Object.fromEntries(json.pages.flatMap((p: any) => p.elements).map((q: any) => [q.name, q]));
}
