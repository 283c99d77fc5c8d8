import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DataTable, type Column } from '~/components/data-table';
import { SelectField } from '~/components/select-field';

// The shared page components keep the markup the pages relied on: headers with scope, captions, labels, errors.
type Row = { id: number; name: string; count: number };
const columns: Column<Row>[] = [
  { header: 'Team', cell: (r) => r.name },
  { header: 'Count', num: true, cell: (r) => r.count },
];
const rows: Row[] = [
  { id: 1, name: 'Canterbury', count: 3 },
  { id: 2, name: 'Dover', count: 0 },
];

describe('DataTable', () => {
  it('scopes column headers, and row headers when asked', () => {
    const html = renderToStaticMarkup(createElement(DataTable<Row>, { caption: 'Teams', rowHeaders: true, columns, rows, rowKey: (r) => r.id }));
    expect(html).toContain('<caption>Teams</caption>');
    expect(html).toContain('<th scope="col">Team</th><th scope="col" class="num">Count</th>');
    expect(html).toContain('<tr><th scope="row">Canterbury</th><td class="num">3</td></tr>');
    expect(html).toContain('<td class="num">0</td>');
  });

  it('hides the caption for screen readers only, and labels by a heading', () => {
    const html = renderToStaticMarkup(
      createElement(DataTable<Row>, {
        caption: 'Teams',
        hideCaption: true,
        labelledBy: 'teams',
        className: 'figure-table',
        columns,
        rows,
        rowKey: (r) => r.id,
      }),
    );
    expect(html).toContain('<table class="figure-table" aria-labelledby="teams"><caption class="visually-hidden">Teams</caption>');
    expect(html).toContain('<tr><td>Canterbury</td><td class="num">3</td></tr>');
  });
});

describe('SelectField', () => {
  it('labels the select and offers the empty choice first', () => {
    const html = renderToStaticMarkup(
      createElement(SelectField, { id: 'filter-area', name: 'area', label: 'Area', empty: 'All areas', options: [{ value: 'east', label: 'East Kent' }] }),
    );
    expect(html).toContain('<label for="filter-area">Area</label>');
    expect(html).toContain(
      '<select id="filter-area" name="area"><option value="" selected="">All areas</option><option value="east">East Kent</option></select>',
    );
  });

  it('ties a form error to the select', () => {
    const html = renderToStaticMarkup(
      createElement(SelectField, { id: 'teamType', label: 'Team type', required: true, errors: { teamType: 'Choose a team type' }, options: [] }),
    );
    expect(html).toContain('<p class="field-error" id="teamType-error"><span class="visually-hidden">Error: </span>Choose a team type</p>');
    expect(html).toContain('aria-describedby="teamType-error" aria-invalid="true"');
  });
});
