import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElementFactory, Model, Serializer } from 'survey-core';
import { afterAll, describe, expect, it } from 'vitest';
import { answerCells, type AnswerCell } from '../app/models/answers.server';
import { catalogueOf, createModel, DISPLAY_TYPES, REFUSED_TYPES, SUPPORTED_TYPES, type CatalogueQuestion } from '../app/models/catalogue.server';
import type { VersionInfo } from '../app/models/questionnaires.server';
import { formatProblem, loadRegistry } from '../app/models/registry.server';
import { validateChange } from '../app/models/responses.server';
import { assessAnswers, checkDataValue, resolveDataKey, type AnswerError } from '../app/models/validation.server';
import { answerEveryType, EVERY_TYPE_SURVEYS, everyTypeDefinition } from './helpers/every-type';
import { copySurveys, editJson, questionsOf } from './helpers/survey-files';

/**
 * The conformance suite of every answer-holding SurveyJS type and choice feature (issue 10), without a database:
 * one small questionnaire per type and feature, answered through survey-core's own question objects as the browser
 * does, then checked the way the server checks a save (every key of the data), turned into answer rows, and checked
 * again the way it checks a submission. Values the browser cannot produce are refused, naming their place.
 */

type Loose = any;

type Case = {
  /** The type or feature the questionnaire exercises. */
  name: string;
  /** The questions of its one page (each gets a topic). */
  elements: object[];
  /** Answers it through the question objects, as the browser does. */
  answer: (q: (name: string) => Loose, model: Model) => void;
  /** What the browser then holds (and saves): model.data. */
  data: Record<string, unknown>;
  /** The answer rows kept for aggregation (see `line`). */
  rows: string[];
  /** Values the browser cannot produce: each refused at save, with an error at `path` whose message matches. */
  refused?: Array<[set: Record<string, unknown>, path: string, message: RegExp]>;
};

const choices = (...values: string[]) => values.map((value) => ({ value, text: value[0].toUpperCase() + value.slice(1) }));

/** One text question per input type: what the browser's input writes, and values it cannot write. */
const TEXT_INPUTS: Array<[inputType: string, typed: unknown, stored: unknown, row: string, refused: Array<[unknown, RegExp]>]> = [
  [
    'date',
    '2009-02-01',
    '2009-02-01',
    'text "2009-02-01"',
    [
      ['01/02/2009', /must be written YYYY-MM-DD, not "01\/02\/2009"/],
      ['2009-02-30', /"2009-02-30" is not a date \(YYYY-MM-DD\)/],
    ],
  ],
  [
    'datetime-local',
    '2009-02-01T09:30',
    '2009-02-01T09:30',
    'text "2009-02-01T09:30"',
    [
      ['2009-02-01 09:30', /must be written YYYY-MM-DDTHH:MM/],
      ['2009-02-01T24:30', /is not a date and time/],
    ],
  ],
  [
    'time',
    '08:45',
    '08:45',
    'text "08:45"',
    [
      ['8.45am', /must be written HH:MM/],
      ['08:60', /"08:60" is not a time/],
    ],
  ],
  [
    'month',
    '2009-01',
    '2009-01',
    'text "2009-01"',
    [
      ['January 2009', /must be written YYYY-MM/],
      ['2009-13', /"2009-13" is not a month/],
    ],
  ],
  [
    'week',
    '2009-W05',
    '2009-W05',
    'text "2009-W05"',
    [
      ['2009-05', /must be written YYYY-Www/],
      ['2009-W54', /"2009-W54" is not a week/],
    ],
  ],
  ['email', 'duty@example.org', 'duty@example.org', 'text "duty@example.org"', [['duty at example', /e-mail/]]],
  ['tel', '01234 567890', '01234 567890', 'text "01234 567890"', [[1234567890, /must be text, not number 1234567890/]]],
  [
    'url',
    'https://example.org/procedures',
    'https://example.org/procedures',
    'text "https://example.org/procedures"',
    [[['https://example.org'], /must be text, not a list/]],
  ],
  ['number', '42', 42, 'numeric 42', [['42', /must be a number, not string "42"/]]],
  ['range', 70, 70, 'numeric 70', [['70', /must be a number/]]],
  [
    'color',
    '#336699',
    '#336699',
    'text "#336699"',
    [
      ['#369', /must be written #rrggbb/],
      ['blue', /must be written #rrggbb/],
    ],
  ],
];

const CASES: Case[] = [
  ...TEXT_INPUTS.map(([inputType, typed, stored, row, refused]): Case => ({
    name: `text, inputType ${inputType}`,
    elements: [{ type: 'text', name: 'answer', inputType }],
    answer: (q) => (q('answer').value = typed),
    data: { answer: stored },
    rows: [`answer ${row}`],
    refused: refused.map(([value, message]) => [{ answer: value }, 'answer', message]),
  })),
  {
    name: 'comment',
    elements: [{ type: 'comment', name: 'pressures' }],
    answer: (q) => (q('pressures').value = 'Two workers off sick.\nOne post frozen.'),
    data: { pressures: 'Two workers off sick.\nOne post frozen.' },
    rows: ['pressures text "Two workers off sick.\\nOne post frozen."'],
    refused: [
      [{ pressures: { text: 'x' } }, 'pressures', /must be text, not an object/],
      [{ pressures: 'x'.repeat(20_001) }, 'pressures', /longer than 20,000 characters/],
    ],
  },
  {
    name: 'radiogroup',
    elements: [{ type: 'radiogroup', name: 'route', choices: choices('police', 'schools', 'health') }],
    answer: (q) => (q('route').renderedValue = 'schools'),
    data: { route: 'schools' },
    rows: ['route choice schools'],
    refused: [
      [{ route: 'parish' }, 'route', /"parish" is not one of the choices \(police, schools, health\)/],
      [{ route: ['police'] }, 'route', /must be one of the listed choices, not a list/],
    ],
  },
  {
    name: 'dropdown',
    elements: [{ type: 'dropdown', name: 'route', choices: choices('police', 'schools') }],
    answer: (q) => (q('route').renderedValue = 'police'),
    data: { route: 'police' },
    rows: ['route choice police'],
    refused: [
      [{ route: 'other' }, 'route', /"other" is not one of the choices/],
      [{ 'route-Comment': 'typed' }, 'route-Comment', /is not a question/],
    ],
  },
  {
    name: 'checkbox',
    elements: [{ type: 'checkbox', name: 'agencies', choices: choices('police', 'health', 'school') }],
    answer: (q) => (q('agencies').renderedValue = ['health', 'police']),
    data: { agencies: ['health', 'police'] },
    rows: ['agencies choice health', 'agencies choice police'],
    refused: [
      [{ agencies: 'police' }, 'agencies', /must be a list of choices, not string/],
      [{ agencies: ['police', 'police'] }, 'agencies', /"police" is chosen twice/],
      [{ agencies: ['police', 'probation'] }, 'agencies', /"probation" is not one of the choices/],
    ],
  },
  {
    name: 'tagbox',
    elements: [{ type: 'tagbox', name: 'training', choices: choices('court', 'assessment', 'chairing') }],
    answer: (q) => (q('training').renderedValue = ['court', 'chairing']),
    data: { training: ['court', 'chairing'] },
    rows: ['training choice court', 'training choice chairing'],
    refused: [[{ training: ['court', 'knitting'] }, 'training', /"knitting" is not one of the choices/]],
  },
  {
    name: 'boolean',
    elements: [{ type: 'boolean', name: 'rota_full' }],
    answer: (q) => (q('rota_full').booleanValue = false),
    data: { rota_full: false },
    rows: ['rota_full choice false'],
    refused: [
      [{ rota_full: 'no' }, 'rota_full', /must be true or false, not string "no"/],
      [{ rota_full: 0 }, 'rota_full', /must be true or false/],
    ],
  },
  {
    name: 'boolean with valueTrue and valueFalse',
    elements: [{ type: 'boolean', name: 'ics_used', valueTrue: 'yes', valueFalse: 'no' }],
    answer: (q) => (q('ics_used').booleanValue = true),
    data: { ics_used: 'yes' },
    rows: ['ics_used choice yes'],
    refused: [[{ ics_used: true }, 'ics_used', /must be "yes" or "no", not boolean true/]],
  },
  {
    name: 'rating',
    elements: [{ type: 'rating', name: 'morale', rateCount: 5 }],
    answer: (q) => q('morale').setValueFromClick(4),
    data: { morale: 4 },
    rows: ['morale numeric 4'],
    refused: [
      [{ morale: '4' }, 'morale', /must be a number, not string "4"/],
      [{ morale: 9 }, 'morale', /9 is not one of the ratings \(1, 2, 3, 4, 5\)/],
    ],
  },
  {
    name: 'rating with text values',
    elements: [{ type: 'rating', name: 'pressure', rateValues: choices('low', 'high') }],
    answer: (q) => q('pressure').setValueFromClick('high'),
    data: { pressure: 'high' },
    rows: ['pressure choice high'],
    refused: [[{ pressure: 'medium' }, 'pressure', /"medium" is not one of the choices \(low, high\)/]],
  },
  {
    name: 'slider',
    elements: [{ type: 'slider', name: 'agency_share', min: 0, max: 100 }],
    answer: (q) => (q('agency_share').value = 20),
    data: { agency_share: 20 },
    rows: ['agency_share numeric 20'],
    refused: [
      [{ agency_share: '20' }, 'agency_share', /must be a number/],
      [{ agency_share: [10, 20] }, 'agency_share', /must be a number, not a list/],
      [{ agency_share: 150 }, 'agency_share', /150 is not on the slider's scale \(0 to 100 by 1\)/],
      [{ agency_share: 20.5 }, 'agency_share', /20.5 is not on the slider's scale/],
    ],
  },
  {
    name: 'slider selecting a range',
    elements: [{ type: 'slider', name: 'caseloads', sliderType: 'range', min: 0, max: 40, step: 2 }],
    answer: (q) => (q('caseloads').value = [12, 30]),
    data: { caseloads: [12, 30] },
    rows: ['caseloads[from] numeric 12', 'caseloads[to] numeric 30'],
    refused: [
      [{ caseloads: 12 }, 'caseloads', /must be a range \[from, to\] of two numbers, not number 12/],
      [{ caseloads: [12, 'thirty'] }, 'caseloads', /must be a range/],
      [{ caseloads: [13, 30] }, 'caseloads.from', /13 is not on the slider's scale \(0 to 40 by 2\)/],
      [{ caseloads: [12, 42] }, 'caseloads.to', /42 is not on the slider's scale/],
    ],
  },
  {
    name: 'ranking',
    elements: [{ type: 'ranking', name: 'priorities', choices: choices('timeliness', 'recording', 'supervision') }],
    // Dragging "recording" to the top: the value is the items in their new order.
    answer: (q) => (q('priorities').value = ['recording', 'timeliness', 'supervision']),
    data: { priorities: ['recording', 'timeliness', 'supervision'] },
    rows: ['priorities[recording] numeric 1', 'priorities[timeliness] numeric 2', 'priorities[supervision] numeric 3'],
    refused: [
      [{ priorities: ['recording', 'recording'] }, 'priorities', /"recording" is ranked twice/],
      [{ priorities: ['recording', 'budget'] }, 'priorities', /string "budget" is not one of the items to rank/],
      [{ priorities: { recording: 1 } }, 'priorities', /must be the list of items in rank order, not an object/],
    ],
  },
  {
    name: 'ranking with selectToRankEnabled',
    elements: [{ type: 'ranking', name: 'priorities', selectToRankEnabled: true, choices: choices('timeliness', 'recording', 'supervision') }],
    // Two of the three items moved to the ranked list, supervision first.
    answer: (q) => (q('priorities').value = ['supervision', 'timeliness']),
    data: { priorities: ['supervision', 'timeliness'] },
    rows: ['priorities[supervision] numeric 1', 'priorities[timeliness] numeric 2'],
    refused: [[{ priorities: ['supervision', 'budget'] }, 'priorities', /"budget" is not one of the items to rank/]],
  },
  {
    name: 'imagepicker',
    elements: [
      {
        type: 'imagepicker',
        name: 'layout',
        choices: [
          { value: 'open', imageLink: '/favicon.ico', text: 'Open plan' },
          { value: 'rooms', imageLink: '/favicon.ico', text: 'Separate rooms' },
        ],
      },
    ],
    answer: (q) => (q('layout').renderedValue = 'rooms'),
    data: { layout: 'rooms' },
    rows: ['layout choice rooms'],
    refused: [
      [{ layout: ['rooms'] }, 'layout', /must be one of the listed choices, not a list/],
      [{ layout: 'attic' }, 'layout', /"attic" is not one of the choices/],
    ],
  },
  {
    name: 'imagepicker with multiSelect',
    elements: [
      {
        type: 'imagepicker',
        name: 'rooms',
        multiSelect: true,
        choices: [
          { value: 'family', imageLink: '/favicon.ico' },
          { value: 'interview', imageLink: '/favicon.ico' },
        ],
      },
    ],
    answer: (q) => (q('rooms').renderedValue = ['family', 'interview']),
    data: { rooms: ['family', 'interview'] },
    rows: ['rooms choice family', 'rooms choice interview'],
    refused: [[{ rooms: 'family' }, 'rooms', /must be a list of choices/]],
  },
  {
    name: 'matrix',
    elements: [{ type: 'matrix', name: 'recording', rows: choices('chronology', 'plan'), columns: choices('full', 'part', 'none') }],
    answer: (q) => {
      q('recording').visibleRows[0].value = 'part';
      q('recording').visibleRows[1].value = 'full';
    },
    data: { recording: { chronology: 'part', plan: 'full' } },
    rows: ['recording[chronology] choice part', 'recording[plan] choice full'],
    refused: [
      [{ recording: { chronology: 'mostly' } }, 'recording.chronology', /"mostly" is not one of the choices \(full, part, none\)/],
      [{ recording: { minutes: 'full' } }, 'recording.minutes', /is not a row of this question/],
      [{ recording: ['full', 'part'] }, 'recording', /must be an object keyed by row, not a list/],
    ],
  },
  {
    name: 'matrixdropdown with every cell type, totals and a detail panel',
    elements: [
      {
        type: 'matrixdropdown',
        name: 'workers',
        rows: choices('qualified', 'unqualified'),
        columns: [
          { name: 'count', cellType: 'text', inputType: 'number', totalType: 'sum' },
          { name: 'cover', cellType: 'dropdown', choices: choices('permanent', 'agency') },
          { name: 'duties', cellType: 'checkbox', choices: choices('duty', 'court') },
          { name: 'supervised', cellType: 'boolean' },
          { name: 'note', cellType: 'text' },
          { name: 'why', cellType: 'comment' },
          { name: 'morale', cellType: 'rating', rateCount: 5 },
          { name: 'share', cellType: 'expression', expression: '{row.count} * 10' },
        ],
        detailPanelMode: 'underRow',
        detailElements: [{ type: 'text', name: 'lead', title: 'Team lead' }],
      },
    ],
    answer: (q) => {
      const [qualified, unqualified] = q('workers').visibleRows;
      const cell = (row: Loose, column: string) => row.cells.find((c: Loose) => c.column.name === column).question;
      cell(qualified, 'count').value = '6';
      cell(qualified, 'cover').renderedValue = 'agency';
      cell(qualified, 'duties').renderedValue = ['duty', 'court'];
      cell(qualified, 'supervised').booleanValue = true;
      cell(qualified, 'note').value = 'Two part-time';
      cell(qualified, 'why').value = 'Vacancies';
      cell(qualified, 'morale').setValueFromClick(3);
      qualified.showDetailPanel();
      qualified.detailPanel.getQuestionByName('lead').value = 'Worker A';
      cell(unqualified, 'count').value = '2';
    },
    data: {
      workers: {
        qualified: {
          count: 6,
          cover: 'agency',
          duties: ['duty', 'court'],
          supervised: true,
          note: 'Two part-time',
          why: 'Vacancies',
          morale: 3,
          share: 60,
          lead: 'Worker A',
        },
        unqualified: { count: 2, share: 20 },
      },
      'workers-total': { count: 8 },
    },
    rows: [
      'workers[qualified][count] numeric 6',
      'workers[qualified][cover] choice agency',
      'workers[qualified][duties] choice duty',
      'workers[qualified][duties] choice court',
      'workers[qualified][supervised] choice true',
      'workers[qualified][note] text "Two part-time"',
      'workers[qualified][why] text "Vacancies"',
      'workers[qualified][morale] numeric 3',
      'workers[qualified][lead] text "Worker A"',
      'workers[unqualified][count] numeric 2',
    ],
    refused: [
      [{ workers: { qualified: { bananas: 3 } } }, 'workers.qualified.bananas', /is not a column of this question/],
      [{ workers: { qualified: ['duty'] } }, 'workers.qualified', /must be an object keyed by column, not a list/],
      [{ workers: { qualified: { count: '6' } } }, 'workers.qualified.count', /must be a number/],
      [{ workers: { qualified: { duties: 'duty' } } }, 'workers.qualified.duties', /must be a list of choices/],
      [{ workers: { qualified: { supervised: 'yes' } } }, 'workers.qualified.supervised', /must be true or false/],
      [{ workers: { qualified: { morale: 7 } } }, 'workers.qualified.morale', /7 is not one of the ratings/],
      [{ workers: { qualified: { share: { n: 1 } } } }, 'workers.qualified.share', /is computed by the questionnaire/],
      [{ 'workers-total': [8] }, 'workers-total', /holds the matrix's column totals/],
    ],
  },
  {
    name: 'matrixdynamic, rows added and removed',
    elements: [
      {
        type: 'matrixdynamic',
        name: 'sessions',
        rowCount: 1,
        maxRowCount: 3,
        columns: [
          { name: 'worker', cellType: 'text' },
          { name: 'minutes', cellType: 'text', inputType: 'number' },
          { name: 'kind', cellType: 'dropdown', choices: choices('formal', 'informal') },
        ],
      },
    ],
    answer: (q) => {
      const log = q('sessions');
      log.addRow();
      log.addRow();
      const rows = log.visibleRows;
      rows[0].cells[0].question.value = 'Worker A';
      rows[0].cells[1].question.value = '60';
      rows[1].cells[0].question.value = 'Worker B';
      rows[2].cells[0].question.value = 'Worker C';
      rows[2].cells[2].question.renderedValue = 'informal';
      log.removeRow(1); // Worker B's row, added by mistake
    },
    data: {
      sessions: [
        { worker: 'Worker A', minutes: 60 },
        { worker: 'Worker C', kind: 'informal' },
      ],
    },
    rows: [
      'sessions[1][worker] text "Worker A"',
      'sessions[1][minutes] numeric 60',
      'sessions[2][worker] text "Worker C"',
      'sessions[2][kind] choice informal',
    ],
    refused: [
      [{ sessions: [{ worker: 'A' }, { nope: 1 }] }, 'sessions.2.nope', /is not a column of this question/],
      [{ sessions: { 1: { worker: 'A' } } }, 'sessions', /must be a list of rows, not an object/],
      [{ sessions: [['A']] }, 'sessions.1', /must be an object keyed by column, not a list/],
      [{ sessions: [{}, {}, {}, {}] }, 'sessions', /has 4 rows, more than the 3 allowed/],
      [{ sessions: [{ kind: 'peer' }] }, 'sessions.1.kind', /"peer" is not one of the choices/],
    ],
  },
  {
    name: 'multipletext',
    elements: [
      {
        type: 'multipletext',
        name: 'contacts',
        items: [
          { name: 'received', inputType: 'number' },
          { name: 'note', title: 'Note' },
        ],
      },
    ],
    answer: (q) => {
      q('contacts').items[0].editor.value = '120';
      q('contacts').items[1].editor.value = 'Half from schools';
    },
    data: { contacts: { received: 120, note: 'Half from schools' } },
    rows: ['contacts[received] numeric 120', 'contacts[note] text "Half from schools"'],
    refused: [
      [{ contacts: { received: '120' } }, 'contacts.received', /must be a number/],
      [{ contacts: { sent: 3 } }, 'contacts.sent', /is not an item of this question/],
      [{ contacts: [120] }, 'contacts', /must be an object keyed by item, not a list/],
    ],
  },
  {
    name: 'paneldynamic holding every kind of question, a dynamic matrix and a dynamic panel among them',
    elements: [
      {
        type: 'paneldynamic',
        name: 'children',
        panelCount: 1,
        maxPanelCount: 4,
        templateElements: [
          { type: 'text', name: 'ref' },
          { type: 'text', name: 'seen_on', inputType: 'date' },
          { type: 'text', name: 'age', inputType: 'number' },
          { type: 'comment', name: 'notes' },
          { type: 'radiogroup', name: 'seen_alone', choices: choices('yes', 'no'), showOtherItem: true },
          { type: 'dropdown', name: 'worker', choices: choices('ann', 'bob') },
          { type: 'checkbox', name: 'plans', choices: choices('cp', 'cin'), showNoneItem: true },
          { type: 'tagbox', name: 'needs', choices: choices('health', 'education') },
          { type: 'boolean', name: 'on_plan' },
          { type: 'rating', name: 'risk', rateMax: 3 },
          { type: 'slider', name: 'engagement', min: 0, max: 10 },
          { type: 'ranking', name: 'concerns', choices: choices('neglect', 'harm') },
          { type: 'imagepicker', name: 'home', choices: [{ value: 'flat', imageLink: '/favicon.ico' }] },
          { type: 'matrix', name: 'records', rows: choices('chronology'), columns: choices('full', 'part') },
          { type: 'matrixdropdown', name: 'checks', rows: choices('gp'), columns: [{ name: 'done', cellType: 'boolean' }] },
          { type: 'multipletext', name: 'contacts', items: [{ name: 'visits', inputType: 'number' }] },
          {
            type: 'matrixdynamic',
            name: 'visits',
            rowCount: 0,
            columns: [
              { name: 'date', cellType: 'text', inputType: 'date' },
              { name: 'by', cellType: 'text' },
            ],
          },
          {
            type: 'paneldynamic',
            name: 'siblings',
            panelCount: 0,
            templateElements: [
              { type: 'text', name: 'sibling_ref' },
              { type: 'checkbox', name: 'sibling_plans', choices: choices('cp', 'cin') },
            ],
          },
          { type: 'expression', name: 'band', expression: "iif({panel.age} < 5, 'under 5', '5 or over')" },
        ],
      },
    ],
    answer: (q) => {
      const children = q('children');
      children.addPanel();
      children.addPanel();
      const [first, , third] = children.panels as Loose[];
      const nested = (panel: Loose, name: string) => panel.getQuestionByName(name);
      nested(first, 'ref').value = 'C-0001';
      nested(first, 'seen_on').value = '2009-02-02';
      nested(first, 'age').value = '4';
      nested(first, 'notes').value = 'Seen at nursery';
      nested(first, 'seen_alone').renderedValue = 'other';
      nested(first, 'seen_alone').otherValue = 'Too young';
      nested(first, 'worker').renderedValue = 'ann';
      nested(first, 'plans').renderedValue = ['none'];
      nested(first, 'needs').renderedValue = ['health'];
      nested(first, 'on_plan').booleanValue = false;
      nested(first, 'risk').setValueFromClick(2);
      nested(first, 'engagement').value = 7;
      nested(first, 'concerns').value = ['harm', 'neglect'];
      nested(first, 'home').renderedValue = 'flat';
      nested(first, 'records').visibleRows[0].value = 'part';
      nested(first, 'checks').visibleRows[0].cells[0].question.booleanValue = true;
      nested(first, 'contacts').items[0].editor.value = '3';
      nested(first, 'visits').addRow();
      nested(first, 'visits').visibleRows[0].cells[0].question.value = '2009-02-02';
      nested(first, 'visits').visibleRows[0].cells[1].question.value = 'Ann';
      nested(first, 'siblings').addPanel();
      nested(first, 'siblings').panels[0].getQuestionByName('sibling_ref').value = 'C-0009';
      nested(first, 'siblings').panels[0].getQuestionByName('sibling_plans').renderedValue = ['cin'];
      nested(third, 'ref').value = 'C-0003';
      nested(third, 'age').value = '11';
      nested(third, 'plans').renderedValue = ['cp', 'cin'];
      children.removePanel(children.panels[1]); // the second panel, added by mistake
    },
    data: {
      children: [
        {
          ref: 'C-0001',
          seen_on: '2009-02-02',
          age: 4,
          notes: 'Seen at nursery',
          seen_alone: 'other',
          'seen_alone-Comment': 'Too young',
          worker: 'ann',
          plans: ['none'],
          needs: ['health'],
          on_plan: false,
          risk: 2,
          engagement: 7,
          concerns: ['harm', 'neglect'],
          home: 'flat',
          records: { chronology: 'part' },
          checks: { gp: { done: true } },
          contacts: { visits: 3 },
          visits: [{ date: '2009-02-02', by: 'Ann' }],
          siblings: [{ sibling_ref: 'C-0009', sibling_plans: ['cin'] }],
          band: 'under 5',
        },
        { ref: 'C-0003', age: 11, plans: ['cp', 'cin'], band: '5 or over' },
      ],
    },
    rows: [
      'children[1][ref] text "C-0001"',
      'children[1][seen_on] text "2009-02-02"',
      'children[1][age] numeric 4',
      'children[1][notes] text "Seen at nursery"',
      'children[1][seen_alone] choice other "Too young"',
      'children[1][worker] choice ann',
      'children[1][plans] choice none',
      'children[1][needs] choice health',
      'children[1][on_plan] choice false',
      'children[1][risk] numeric 2',
      'children[1][engagement] numeric 7',
      'children[1][concerns.harm] numeric 1',
      'children[1][concerns.neglect] numeric 2',
      'children[1][home] choice flat',
      'children[1][records.chronology] choice part',
      'children[1][checks.gp.done] choice true',
      'children[1][contacts.visits] numeric 3',
      'children[1][visits.1.date] text "2009-02-02"',
      'children[1][visits.1.by] text "Ann"',
      'children[1][siblings.1.sibling_ref] text "C-0009"',
      'children[1][siblings.1.sibling_plans] choice cin',
      'children[2][ref] text "C-0003"',
      'children[2][age] numeric 11',
      'children[2][plans] choice cp',
      'children[2][plans] choice cin',
    ],
    refused: [
      [{ children: [{ ref: 'C-1', shoe_size: 3 }] }, 'children.1.shoe_size', /is not a question of this question/],
      [{ children: [{}, { worker: 'cat' }] }, 'children.2.worker', /"cat" is not one of the choices/],
      [{ children: [{ plans: ['none', 'cp'] }] }, 'children.1.plans', /"none" cannot be chosen with other choices/],
      [{ children: [{ age: 'four' }] }, 'children.1.age', /must be a number/],
      [{ children: [{ seen_on: '2/2/2009' }] }, 'children.1.seen_on', /must be written YYYY-MM-DD/],
      [{ children: [{ 'seen_alone-Comment': 5 }] }, 'children.1.seen_alone-Comment', /must be text/],
      [{ children: [{ visits: [{ date: '2009-02-02', when: 'am' }] }] }, 'children.1.visits.1.when', /is not a column/],
      [{ children: [{ siblings: [{ sibling_plans: ['ward'] }] }] }, 'children.1.siblings.1.sibling_plans', /"ward" is not one of the choices/],
      [{ children: [{ siblings: { sibling_ref: 'x' } }] }, 'children.1.siblings', /must be a list of panels, not an object/],
      [{ children: [{ records: { chronology: 'full', plan: 'full' } }] }, 'children.1.records.plan', /is not a row/],
      [{ children: [{ concerns: ['harm', 'harm'] }] }, 'children.1.concerns', /ranked twice/],
      [{ children: [{ engagement: 11 }] }, 'children.1.engagement', /not on the slider's scale \(0 to 10 by 1\)/],
      [{ children: [{ risk: 4 }] }, 'children.1.risk', /4 is not one of the ratings \(1, 2, 3\)/],
      [{ children: [{ band: ['x'] }] }, 'children.1.band', /is computed by the questionnaire/],
      [{ children: [{}, {}, {}, {}, {}] }, 'children', /has 5 panels, more than the 4 allowed/],
      [{ children: [['C-1']] }, 'children.1', /must be an object keyed by question, not a list/],
    ],
  },
  {
    name: 'showOtherItem, its text kept as a comment (storeOthersAsComment: true, the default)',
    elements: [{ type: 'dropdown', name: 'route', choices: choices('police', 'schools'), showOtherItem: true }],
    answer: (q) => {
      q('route').renderedValue = 'other';
      q('route').otherValue = 'Anonymous callers';
    },
    data: { route: 'other', 'route-Comment': 'Anonymous callers' },
    rows: ['route choice other "Anonymous callers"'],
    refused: [
      [{ route: 'Anonymous callers' }, 'route', /"Anonymous callers" is not one of the choices \(police, schools, other\)/],
      [{ 'route-Comment': ['x'] }, 'route-Comment', /must be text, not a list/],
    ],
  },
  {
    name: 'showOtherItem, its text kept as the value (storeOthersAsComment: false)',
    elements: [{ type: 'radiogroup', name: 'threshold', choices: choices('lower', 'same', 'higher'), showOtherItem: true, storeOthersAsComment: false }],
    answer: (q) => {
      q('threshold').renderedValue = 'other';
      q('threshold').otherValue = 'Depends on the manager';
    },
    data: { threshold: 'Depends on the manager' },
    rows: ['threshold choice other "Depends on the manager"'],
    refused: [
      [{ threshold: 3 }, 'threshold', /3 is not one of the choices/],
      [{ 'threshold-Comment': 'x' }, 'threshold-Comment', /is not a question/],
    ],
  },
  {
    name: 'showOtherItem on a checkbox, its text kept as a value (storeOthersAsComment: false)',
    elements: [{ type: 'checkbox', name: 'agencies', choices: choices('police', 'health'), showOtherItem: true, storeOthersAsComment: false }],
    answer: (q) => {
      q('agencies').renderedValue = ['police', 'other'];
      q('agencies').otherValue = 'Youth offending team';
    },
    data: { agencies: ['police', 'Youth offending team'] },
    rows: ['agencies choice police', 'agencies choice other "Youth offending team"'],
    refused: [[{ agencies: [7] }, 'agencies', /7 is not one of the choices/]],
  },
  {
    name: 'showNoneItem',
    elements: [{ type: 'checkbox', name: 'plans', choices: choices('cp', 'cin'), showNoneItem: true }],
    answer: (q) => {
      q('plans').renderedValue = ['cp'];
      q('plans').renderedValue = ['cp', 'none']; // ticking "None" clears the rest
    },
    data: { plans: ['none'] },
    rows: ['plans choice none'],
    refused: [[{ plans: ['none', 'cin'] }, 'plans', /"none" cannot be chosen with other choices/]],
  },
  {
    name: 'showRefuseItem and showDontKnowItem',
    elements: [
      { type: 'radiogroup', name: 'problem', choices: choices('speed', 'forms'), showRefuseItem: true, showDontKnowItem: true },
      { type: 'checkbox', name: 'causes', choices: choices('staff', 'systems'), showRefuseItem: true, showDontKnowItem: true },
    ],
    answer: (q) => {
      q('problem').renderedValue = 'refused';
      q('causes').renderedValue = ['staff'];
      q('causes').renderedValue = ['staff', 'dontknow'];
    },
    data: { problem: 'refused', causes: ['dontknow'] },
    rows: ['problem choice refused', 'causes choice dontknow'],
    refused: [
      [{ causes: ['dontknow', 'staff'] }, 'causes', /"dontknow" cannot be chosen with other choices/],
      [{ causes: ['refused', 'dontknow'] }, 'causes', /cannot be chosen with other choices/],
      [{ problem: 'none' }, 'problem', /"none" is not one of the choices/],
    ],
  },
  {
    name: 'showSelectAllItem',
    elements: [{ type: 'checkbox', name: 'agencies', choices: choices('police', 'health', 'school'), showSelectAllItem: true, showNoneItem: true }],
    answer: (q) => q('agencies').selectAll(),
    data: { agencies: ['police', 'health', 'school'] },
    rows: ['agencies choice police', 'agencies choice health', 'agencies choice school'],
    refused: [[{ agencies: ['selectall'] }, 'agencies', /"selectall" is not one of the choices/]],
  },
  {
    name: 'showCommentArea',
    elements: [
      { type: 'radiogroup', name: 'threshold', choices: choices('lower', 'higher'), showCommentArea: true },
      { type: 'boolean', name: 'rota_full', showCommentArea: true },
      // survey-core shows no comment area under a text question, so none is kept.
      { type: 'text', name: 'open_cases', inputType: 'number', showCommentArea: true },
    ],
    answer: (q) => {
      q('threshold').renderedValue = 'lower';
      q('threshold').comment = 'More referrals stepped down';
      q('rota_full').comment = 'Not asked yet';
    },
    data: { threshold: 'lower', 'threshold-Comment': 'More referrals stepped down', 'rota_full-Comment': 'Not asked yet' },
    rows: ['threshold choice lower', 'threshold[][-Comment] text "More referrals stepped down"', 'rota_full[][-Comment] text "Not asked yet"'],
    refused: [
      [{ 'threshold-Comment': { text: 'x' } }, 'threshold-Comment', /must be text, not an object/],
      [{ 'open_cases-Comment': 'x' }, 'open_cases-Comment', /is not a question/],
    ],
  },
  {
    name: 'allowCustomChoices',
    elements: [
      { type: 'dropdown', name: 'problem', choices: choices('speed', 'forms'), allowCustomChoices: true },
      { type: 'tagbox', name: 'training', choices: choices('court'), allowCustomChoices: true },
    ],
    answer: (q) => {
      // Typing a value the list lacks and choosing "Create …", as the browser's dropdown does.
      const problem = q('problem').dropdownListModel;
      problem.inputStringRendered = 'Printing';
      problem.setQuestionValue(problem.customItemValue);
      q('training').renderedValue = ['court'];
      const training = q('training').dropdownListModel;
      training.inputStringRendered = 'Chairing meetings';
      training.selectItem(training.customItemValue.id);
    },
    data: { problem: 'Printing', training: ['court', 'Chairing meetings'] },
    rows: ['problem choice Printing', 'training choice court', 'training choice Chairing meetings'],
    refused: [
      [{ problem: 12 }, 'problem', /12 is not one of the choices/],
      [{ training: [{ value: 'x' }] }, 'training', /must be one of the listed choices, not an object/],
      [{ problem: 'x'.repeat(20_001) }, 'problem', /longer than 20,000 characters/],
    ],
  },
  ...(['all', 'selected', 'unselected'] as const).map((mode): Case => ({
    name: `choicesFromQuestion, mode ${mode}`,
    elements: [
      { type: 'checkbox', name: 'checked', choices: choices('police', 'health', 'school'), showOtherItem: true },
      { type: 'radiogroup', name: 'first', choicesFromQuestion: 'checked', choicesFromQuestionMode: mode },
    ],
    answer: (q) => {
      q('checked').renderedValue = ['police', 'health'];
      const offered = (q('first').visibleChoices as Loose[]).map((c) => c.value);
      expect(offered).toEqual({ all: ['police', 'health', 'school'], selected: ['police', 'health'], unselected: ['school'] }[mode]);
      q('first').renderedValue = offered[offered.length - 1];
    },
    data: { checked: ['police', 'health'], first: { all: 'school', selected: 'health', unselected: 'school' }[mode] },
    rows: ['checked choice police', 'checked choice health', `first choice ${{ all: 'school', selected: 'health', unselected: 'school' }[mode]}`],
    refused: [[{ first: 'probation' }, 'first', /"probation" is not one of the choices \(police, health, school/]],
  })),
  {
    name: 'choicesFromQuestion, mode selected, with "Other" among the chosen',
    elements: [
      { type: 'checkbox', name: 'checked', choices: choices('police', 'health'), showOtherItem: true },
      { type: 'radiogroup', name: 'first', choicesFromQuestion: 'checked', choicesFromQuestionMode: 'selected' },
    ],
    answer: (q) => {
      q('checked').renderedValue = ['police', 'other'];
      q('checked').otherValue = 'Youth offending team';
      // survey-core offers the chosen "Other" under its own value, showing the text typed for it.
      expect((q('first').visibleChoices as Loose[]).map((c) => [c.value, c.text])).toEqual([
        ['police', 'Police'],
        ['other', 'Youth offending team'],
      ]);
      q('first').renderedValue = 'other';
    },
    data: { checked: ['police', 'other'], 'checked-Comment': 'Youth offending team', first: 'other' },
    rows: ['checked choice police', 'checked choice other "Youth offending team"', 'first choice other'],
    refused: [[{ first: 'Youth offending team' }, 'first', /"Youth offending team" is not one of the choices \(police, health, other\)/]],
  },
  {
    name: 'choiceValuesFromQuestion',
    elements: [
      { type: 'matrixdynamic', name: 'staff', rowCount: 2, columns: [{ name: 'who', cellType: 'text' }] },
      { type: 'dropdown', name: 'lead', choicesFromQuestion: 'staff', choiceValuesFromQuestion: 'who' },
    ],
    answer: (q) => {
      q('staff').visibleRows[0].cells[0].question.value = 'Ann';
      q('staff').visibleRows[1].cells[0].question.value = 'Bob';
      expect((q('lead').visibleChoices as Loose[]).map((c) => c.value)).toEqual(['Ann', 'Bob']);
      q('lead').renderedValue = 'Bob';
    },
    data: { staff: [{ who: 'Ann' }, { who: 'Bob' }], lead: 'Bob' },
    rows: ['staff[1][who] text "Ann"', 'staff[2][who] text "Bob"', 'lead choice Bob'],
    refused: [[{ lead: ['Bob'] }, 'lead', /must be one of the listed choices, not a list/]],
  },
  {
    name: 'choicesVisibleIf and choicesEnableIf',
    elements: [
      { type: 'text', name: 'open_cases', inputType: 'number' },
      {
        type: 'radiogroup',
        name: 'worst_delay',
        choices: [
          { value: 'initial', text: 'Initial assessments' },
          { value: 'core', text: 'Core assessments', visibleIf: '{open_cases} > 10' },
        ],
        choicesEnableIf: '{open_cases} notempty',
      },
    ],
    answer: (q) => {
      expect((q('worst_delay').visibleChoices as Loose[]).map((c) => [c.value, c.isEnabled])).toEqual([['initial', false]]);
      q('open_cases').value = '42';
      expect((q('worst_delay').visibleChoices as Loose[]).map((c) => [c.value, c.isEnabled])).toEqual([
        ['initial', true],
        ['core', true],
      ]);
      q('worst_delay').renderedValue = 'core';
    },
    data: { open_cases: 42, worst_delay: 'core' },
    rows: ['open_cases numeric 42', 'worst_delay choice core'],
    refused: [[{ worst_delay: 'conference' }, 'worst_delay', /"conference" is not one of the choices \(initial, core\)/]],
  },
  {
    name: 'valueName',
    elements: [{ type: 'text', name: 'manager_note', valueName: 'manager_remarks' }],
    answer: (q) => (q('manager_note').value = 'Synthetic answers'),
    data: { manager_remarks: 'Synthetic answers' },
    rows: ['manager_remarks text "Synthetic answers"'],
    refused: [[{ manager_note: 'x' }, 'manager_note', /is not a question of Conformance version 1/]],
  },
  {
    name: 'maxSelectedChoices and minSelectedChoices',
    elements: [
      { type: 'checkbox', name: 'agencies', choices: choices('police', 'health', 'school', 'probation'), minSelectedChoices: 2, maxSelectedChoices: 3 },
    ],
    answer: (q) => {
      q('agencies').renderedValue = ['police'];
      q('agencies').renderedValue = ['police', 'school'];
    },
    data: { agencies: ['police', 'school'] },
    rows: ['agencies choice police', 'agencies choice school'],
    refused: [[{ agencies: ['police', 'health', 'school', 'probation'] }, 'agencies', /has 4 choices ticked, more than the 3 allowed/]],
  },
  {
    name: 'expression questions',
    elements: [
      { type: 'text', name: 'open_cases', inputType: 'number' },
      { type: 'text', name: 'workers', inputType: 'number' },
      { type: 'expression', name: 'per_worker', expression: '{open_cases} / {workers}' },
    ],
    answer: (q) => {
      q('open_cases').value = '42';
      q('workers').value = '6';
    },
    data: { open_cases: 42, workers: 6, per_worker: 7 },
    rows: ['open_cases numeric 42', 'workers numeric 6'],
    refused: [[{ per_worker: { value: 7 } }, 'per_worker', /is computed by the questionnaire and must be a number, text or true\/false, not an object/]],
  },
];

let nextVersionId = 900_000;

/** A version of a one-page questionnaire, as the server holds it once published (its catalogue read back as JSON). */
function versionOf(definition: Record<string, unknown>): VersionInfo {
  const catalogue = JSON.parse(JSON.stringify(catalogueOf(createModel(definition)))) as CatalogueQuestion[];
  return {
    id: nextVersionId++, // validation keeps a model per version id
    slug: 'conformance',
    title: 'Conformance',
    version: 1,
    definition,
    mapping: null,
    catalogue: new Map(catalogue.map((q) => [q.name, q])),
    roles: new Map(),
    actionFields: [],
  };
}

function definitionOf(elements: object[]): Record<string, unknown> {
  return { pages: [{ name: 'page1', elements: elements.map((e) => ({ ...e, topic: 'caseloads' })) }] };
}

/** Answers a questionnaire as the browser does, recording each change autosave would send (name and value). */
function answered(definition: Record<string, unknown>, answer: Case['answer']) {
  const model = new Model(definition);
  const changes: Array<[string, unknown]> = [];
  model.onValueChanged.add((_, options) => changes.push([options.name, JSON.parse(JSON.stringify(options.value ?? null))]));
  answer((name) => model.getQuestionByName(name), model);
  return { model, changes };
}

/** One answer row, readably: question[row][column] type value ("other" with its text). */
function line(c: AnswerCell): string {
  const place = `${c.question}${c.row_key || c.column_key ? `[${c.row_key}]` : ''}${c.column_key ? `[${c.column_key}]` : ''}`;
  if (c.value_type === 'choice') return `${place} choice ${c.value_choice}${c.value_text !== null ? ` ${JSON.stringify(c.value_text)}` : ''}`;
  if (c.value_type === 'numeric') return `${place} numeric ${c.value_numeric}`;
  return `${place} text ${JSON.stringify(c.value_text)}`;
}

function rowsOf(version: VersionInfo, data: Record<string, unknown>): string[] {
  return [...version.catalogue.values()].flatMap((q) => answerCells(q, data)).map(line);
}

/** What the server says of each key of the data, as it checks a save: the key's question, then the value's shape. */
function keyErrors(version: VersionInfo, data: Record<string, unknown>): AnswerError[] {
  const errors: AnswerError[] = [];
  for (const [key, value] of Object.entries(data)) {
    const resolved = resolveDataKey(version, key);
    if (!resolved) errors.push({ path: key, message: 'resolves to no question' });
    else checkDataValue(resolved, key, value, errors);
  }
  return errors;
}

describe('the question types survey-core registers', () => {
  it('are each exactly one of supported, refused (with a reason) or display-only: a new type fails here until it is placed', () => {
    const registered = ElementFactory.Instance.getAllTypes().sort();
    const placed = registered.map((type) => [type, [SUPPORTED_TYPES.has(type), REFUSED_TYPES.has(type), DISPLAY_TYPES.has(type)].filter(Boolean).length]);
    expect(placed.filter(([, count]) => count !== 1)).toEqual([]);
    expect(registered).toEqual([...SUPPORTED_TYPES, ...REFUSED_TYPES.keys(), ...DISPLAY_TYPES].sort());
  });

  it('are refused by surveys check when survey-core can read them from a file but does not register them (buttongroup, imagemap…)', () => {
    const placed = (type: string) => SUPPORTED_TYPES.has(type) || REFUSED_TYPES.has(type) || DISPLAY_TYPES.has(type);
    const unregistered = Serializer.getChildrenClasses('question', true)
      .map((c) => c.name)
      .filter((type) => !placed(type));
    expect(unregistered).toContain('buttongroup');
    const dir = copySurveys(EVERY_TYPE_SURVEYS, (d) =>
      editJson(path.join(d, 'every-type/v2.json'), (json) => {
        json.pages.push({ name: 'unregistered', elements: unregistered.map((type) => ({ type, name: `a_${type}`, topic: 'compliance' })) });
      }),
    );
    try {
      expect(loadRegistry(dir).problems.map(formatProblem)).toEqual(
        unregistered.map((type) => `surveys/every-type/v2.json question "a_${type}": question type "${type}" is not supported by Stocktake`),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are each exercised by a fixture below (supported) or refused by surveys check (refused)', () => {
    const used = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object') {
        const element = node as Record<string, unknown>;
        if (typeof element.type === 'string') used.add(element.type);
        if (typeof element.cellType === 'string') used.add(element.cellType);
        Object.values(element).forEach(collect);
      }
    };
    collect(CASES.map((c) => c.elements));
    expect([...SUPPORTED_TYPES].filter((type) => !used.has(type))).toEqual([]);
  });
});

describe('each type and choice feature, answered as the browser does', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-conformance-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('passes surveys check, every fixture', () => {
    fs.copyFileSync(path.join(EVERY_TYPE_SURVEYS, 'topics.json'), path.join(dir, 'topics.json'));
    CASES.forEach((c, index) => {
      const slug = `case-${index + 1}`;
      fs.mkdirSync(path.join(dir, slug));
      fs.writeFileSync(path.join(dir, slug, 'meta.json'), JSON.stringify({ slug, title: c.name, versions: { '1': { changeNotes: 'First version.' } } }));
      fs.writeFileSync(path.join(dir, slug, 'v1.json'), JSON.stringify(definitionOf(c.elements)));
    });
    const registry = loadRegistry(dir);
    expect(registry.problems.map(formatProblem)).toEqual([]);
    expect(registry.questionnaires).toHaveLength(CASES.length);
  });

  for (const c of CASES) {
    describe(c.name, () => {
      const definition = definitionOf(c.elements);
      const version = versionOf(definition);

      it('holds what the browser saves, every key of it accepted, and the answer rows the issue asks for', () => {
        const { model } = answered(definition, c.answer);
        expect(model.data).toEqual(c.data);
        expect(keyErrors(version, model.data)).toEqual([]);
        expect(rowsOf(version, model.data)).toEqual(c.rows);
      });

      it('accepts each change autosave sends, one at a time, and submits what SurveyJS finds valid', () => {
        const { model, changes } = answered(definition, c.answer);
        let data: Record<string, unknown> = {};
        for (const [name, value] of changes) {
          const result = validateChange(version, data, { set: { [name]: value }, unset: [] });
          expect(result.errors, `saving ${name} = ${JSON.stringify(value)}`).toEqual([]);
          data = result.next;
        }
        expect(data).toEqual(model.data);
        expect(model.validate(true)).toBe(true);
        expect(assessAnswers(version, data, 'submit').errors).toEqual([]);
      });

      if (c.refused?.length) {
        it('refuses what the browser cannot produce, naming the place', () => {
          for (const [set, place, message] of c.refused!) {
            const { errors } = validateChange(version, {}, { set, unset: [] });
            const what = JSON.stringify(set).slice(0, 120);
            expect(errors.length, what).toBeGreaterThan(0);
            expect(
              errors.some((e) => e.path === place && message.test(e.message)),
              `${what}: expected ${place} ${message}, got ${JSON.stringify(errors)}`,
            ).toBe(true);
          }
        });
      }
    });
  }
});

describe('the every-type questionnaire (tests/fixtures/surveys-types)', () => {
  it('accepts each change autosave sends while answerEveryType fills it in, and submits what SurveyJS finds valid', () => {
    const definition = everyTypeDefinition(1);
    const version = versionOf(definition);
    const { model, changes } = answered(definition, (_q, m) => answerEveryType(m));
    let data: Record<string, unknown> = {};
    for (const [name, value] of changes) {
      const result = validateChange(version, data, { set: { [name]: value }, unset: [] });
      expect(result.errors, `saving ${name}`).toEqual([]);
      data = result.next;
    }
    expect(data).toEqual(model.data);
    expect(keyErrors(version, data)).toEqual([]);
    expect(model.validate(true)).toBe(true);
    expect(assessAnswers(version, data, 'submit').errors).toEqual([]);
  });
});

describe('submit agrees with SurveyJS', () => {
  const cases: Array<[name: string, elements: object[], answer: Case['answer'], paths: string[]]> = [
    [
      'fewer than minSelectedChoices',
      [{ type: 'checkbox', name: 'agencies', choices: choices('police', 'health', 'school'), minSelectedChoices: 2 }],
      (q) => (q('agencies').renderedValue = ['police']),
      ['agencies'],
    ],
    [
      '"Other" chosen with no text',
      [{ type: 'dropdown', name: 'route', choices: choices('police'), showOtherItem: true }],
      (q) => (q('route').renderedValue = 'other'),
      ['route'],
    ],
    [
      'a matrix whose every row must be answered, answered one row',
      [{ type: 'matrix', name: 'recording', rows: choices('chronology', 'plan'), columns: choices('full', 'part'), isAllRowRequired: true }],
      (q) => (q('recording').visibleRows[0].value = 'full'),
      ['recording'],
    ],
    [
      'a required dynamic matrix with fewer rows than its least',
      [{ type: 'matrixdynamic', name: 'log', isRequired: true, rowCount: 1, minRowCount: 2, columns: [{ name: 'worker', cellType: 'text' }] }],
      (q) => (q('log').visibleRows[0].cells[0].question.value = 'Worker A'),
      ['log'],
    ],
    [
      'a required question in a dynamic panel left empty',
      [{ type: 'paneldynamic', name: 'children', panelCount: 2, templateElements: [{ type: 'text', name: 'ref', isRequired: true }] }],
      (q) => (q('children').panels[0].getQuestionByName('ref').value = 'C-1'),
      ['children.2.ref'],
    ],
    [
      'a required cell of a dynamic matrix left empty',
      [
        {
          type: 'matrixdynamic',
          name: 'log',
          rowCount: 1,
          columns: [
            { name: 'worker', cellType: 'text', isRequired: true },
            { name: 'minutes', cellType: 'text', inputType: 'number' },
          ],
        },
      ],
      (q) => (q('log').visibleRows[0].cells[1].question.value = 30),
      ['log.1.worker'],
    ],
  ];
  for (const [name, elements, answer, paths] of cases) {
    it(`refuses ${name} at submit, at the paths SurveyJS finds, having saved it`, () => {
      const definition = definitionOf(elements);
      const version = versionOf(definition);
      const { model, changes } = answered(definition, answer);
      let data: Record<string, unknown> = {};
      for (const [key, value] of changes) {
        const result = validateChange(version, data, { set: { [key]: value }, unset: [] });
        expect(result.errors, `saving ${key}`).toEqual([]);
        data = result.next;
      }
      expect(model.validate(true)).toBe(false);
      expect(assessAnswers(version, data, 'submit').errors.map((e) => e.path)).toEqual(paths);
    });
  }
});

describe('surveys check refuses what cannot be stored or checked, naming file, question and reason', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const check = (edit: (questions: Record<string, Loose>, json: Loose) => void) => {
    const dir = copySurveys(EVERY_TYPE_SURVEYS, (d) =>
      editJson(path.join(d, 'every-type/v2.json'), (json) => {
        edit(questionsOf(json), json);
      }),
    );
    dirs.push(dir);
    return loadRegistry(dir).problems.map(formatProblem);
  };
  const add = (json: Loose, ...elements: object[]) => json.pages.at(-1).elements.push(...elements.map((e) => ({ topic: 'compliance', ...e })));
  const FILE = 'surveys/every-type/v2.json';

  it('accepts the every-type questionnaire as it is', () => {
    expect(check(() => {})).toEqual([]);
  });

  it('refuses a file question and a signature pad', () => {
    expect(check((_q, json) => add(json, { type: 'file', name: 'case_file' }, { type: 'signaturepad', name: 'signed' }))).toEqual([
      `${FILE} question "case_file": file questions are not supported: Stocktake stores no uploaded files (ask for a reference or a link instead)`,
      `${FILE} question "signed": signature pads are not supported: Stocktake stores no images (ask for a typed name and a date instead)`,
    ]);
  });

  it('refuses a file question inside a dynamic panel, naming its path', () => {
    expect(check((q) => q.children_seen.templateElements.push({ type: 'file', name: 'photo' }))).toEqual([
      `${FILE} question "children_seen.photo": file questions are not supported: Stocktake stores no uploaded files (ask for a reference or a link instead)`,
    ]);
  });

  it('refuses choicesByUrl at the top level, in a matrix column and inside a dynamic panel', () => {
    const byUrl = { url: 'https://example.org/teams.json' };
    const problems = check((q, json) => {
      add(json, { type: 'dropdown', name: 'team', choicesByUrl: byUrl });
      q.workers.columns.push({ name: 'office', cellType: 'dropdown', choicesByUrl: byUrl });
      q.children_seen.templateElements.push({ type: 'checkbox', name: 'school', choicesByUrl: byUrl });
    });
    const reason =
      'takes its choices from a URL (choicesByUrl), which the server cannot fetch to check answers: write the choices into the file ("choices": [...])';
    expect(problems).toEqual([
      `${FILE} question "workers.office": ${reason}`,
      `${FILE} question "children_seen.school": ${reason}`,
      `${FILE} question "team": ${reason}`,
    ]);
  });

  it('refuses two questions sharing a valueName', () => {
    expect(check((_q, json) => add(json, { type: 'text', name: 'remarks_again', valueName: 'manager_remarks' }))).toEqual([
      `${FILE} question "remarks_again": keeps its answer under "manager_remarks", as question "manager_note" does: give each question its own valueName (Stocktake aggregates each answer under one question and topic)`,
    ]);
  });

  it('refuses a question named like the comment SurveyJS keeps for another', () => {
    expect(check((_q, json) => add(json, { type: 'comment', name: 'pressures-Comment' }))).toEqual([
      `${FILE} question "pressures-Comment": is named like the "-Comment" value SurveyJS keeps for "pressures": rename it`,
    ]);
  });
});
