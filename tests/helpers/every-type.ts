import fs from 'node:fs';
import path from 'node:path';
import { Model, type Question } from 'survey-core';
import '~/lib/survey-properties';

/** The questionnaire folder holding "every-type": every answer-holding SurveyJS type and choice feature Stocktake supports. */
export const EVERY_TYPE_SURVEYS = path.resolve('tests/fixtures/surveys-types');

export function everyTypeDefinition(version: 1 | 2 = 1): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(EVERY_TYPE_SURVEYS, `every-type/v${version}.json`), 'utf8'));
}

type Loose = any;

/**
 * Answers the every-type questionnaire (version 1) through survey-core's own question objects, as a manager does in
 * the browser: picks "Other" and types its text, ticks and ranks, fills matrix cells, adds dynamic rows and panels and
 * opens a row's detail panel. Returns the model; `model.data` is what the browser would save.
 */
export function answerEveryType(model: Model = new Model(everyTypeDefinition(1))): Model {
  const q = (name: string) => model.getQuestionByName(name) as Loose;
  q('snapshot_date').value = '2009-02-01';
  q('meeting_start').value = '2009-02-01T09:30';
  q('duty_starts').value = '08:45';
  q('busiest_month').value = '2009-01';
  q('audit_week').value = '2009-W05';
  q('duty_email').value = 'duty@example.org';
  q('duty_phone').value = '01234 567890';
  q('procedures_link').value = 'https://example.org/procedures';
  q('open_cases').value = '42';
  q('confidence').value = 70;
  q('team_colour').value = '#336699';
  q('pressures').value = 'Two workers on long-term sick leave (synthetic).';
  q('agency_share').value = 20;
  q('caseload_band').value = [12, 30];
  q('referral_route').renderedValue = 'other';
  q('referral_route').otherValue = 'Anonymous callers';
  q('threshold_view').renderedValue = 'other';
  q('threshold_view').otherValue = 'Depends on the duty manager';
  q('threshold_view').comment = 'More referrals are stepped down';
  q('agencies_checked').renderedValue = ['police', 'other'];
  q('agencies_checked').otherValue = 'Youth offending team';
  q('strategy_attendees').renderedValue = ['police', 'health'];
  q('training_needs').value = ['court', 'Chairing meetings'];
  q('ics_problem').value = 'dontknow';
  q('worst_delay').value = 'core';
  q('duty_rota_full').value = false;
  q('ics_used').booleanValue = true;
  q('morale').value = 3;
  q('morale').comment = 'Better since January';
  q('priorities').value = ['recording', 'timeliness', 'supervision'];
  q('office_layout').value = 'open';
  q('rooms_used').value = ['family', 'interview'];
  q('manager_note').value = 'Synthetic answers for a test.';
  q('recording').value = { chronology: 'part', plan: 'full' };
  const workers = q('workers').visibleRows[0].cells as Array<{ question: Loose }>;
  workers[0].question.value = 6;
  workers[1].question.renderedValue = 'other';
  workers[1].question.otherValue = 'Seconded';
  workers[2].question.value = ['duty'];
  workers[3].question.value = true;
  q('contacts_month').items[0].editor.value = 120;
  q('contacts_month').items[1].editor.value = 'Half from schools';
  const log = q('supervision_log');
  log.addRow();
  log.addRow();
  const rows = log.visibleRows;
  rows[0].cells[0].question.value = 'Worker A';
  rows[0].cells[1].question.value = 60;
  rows[0].cells[2].question.renderedValue = 'other';
  rows[0].cells[2].question.otherValue = 'Group supervision';
  rows[0].showDetailPanel();
  rows[0].detailPanel.getQuestionByName('actions').value = 'Review the plan';
  rows[1].cells[0].question.value = 'Worker B';
  rows[1].cells[1].question.value = 45;
  rows[1].cells[3].question.value = false;
  log.removeRow(2); // the third row, added by mistake
  const children = q('children');
  children.addPanel();
  children.addPanel();
  const [first, second] = children.panels as Array<{ getQuestionByName(name: string): Loose }>;
  first.getQuestionByName('case_reference').value = 'C-0001';
  first.getQuestionByName('age').value = 4;
  first.getQuestionByName('seen_alone').renderedValue = 'other';
  first.getQuestionByName('seen_alone').otherValue = 'Too young to be seen alone';
  first.getQuestionByName('plans').renderedValue = ['none'];
  first.getQuestionByName('visits').visibleRows[0].cells[0].question.value = '2009-02-02';
  first.getQuestionByName('visits').visibleRows[0].cells[1].question.value = 'Worker A';
  second.getQuestionByName('case_reference').value = 'C-0002';
  second.getQuestionByName('age').value = 11;
  second.getQuestionByName('seen_alone').value = 'yes';
  second.getQuestionByName('plans').value = ['cp', 'cin'];
  children.removePanel(children.panels[2]); // the third panel, added by mistake
  return model;
}

/** The questions of a model, by value name, for tests that drive one question. */
export function questionByValueName(model: Model, name: string): Question {
  return model.getQuestionByValueName(name) as Question;
}
