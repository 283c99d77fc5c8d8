import type { ReactNode } from 'react';

/** One column of a DataTable: its header, and what each row shows in it. */
export type Column<Row> = {
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  /** A figure: header and cells right-aligned (class `num`). */
  num?: boolean;
  /** A class for one cell, e.g. to stress a figure; replaces the `num` default when given. */
  cellClassName?: (row: Row) => string | undefined;
  /** The header's aria-sort, for a column the table is sorted by (its header then holds a SortLink). */
  ariaSort?: 'ascending' | 'descending';
  /** React key, for columns built from data; the position otherwise. */
  key?: string;
};

export type DataTableProps<Row> = {
  columns: Column<Row>[];
  rows: Row[];
  rowKey: (row: Row, index: number) => string | number;
  caption?: ReactNode;
  /** The caption is for screen readers only (a visible heading already names the table). */
  hideCaption?: boolean;
  rowHeaders?: boolean;
  className?: string;
  rowClassName?: (row: Row) => string | undefined;
  labelledBy?: string;
  foot?: ReactNode;
};

/**
 * The tables of Stocktake's pages: column headers with scope="col", and (with rowHeaders) the first column as
 * scope="row" headers, so a screen reader names each figure by its row and column.
 */
export function DataTable<Row>({
  columns,
  rows,
  rowKey,
  caption,
  hideCaption = false,
  rowHeaders = false,
  className,
  rowClassName,
  labelledBy,
  foot,
}: DataTableProps<Row>) {
  const numClass = (column: Column<Row>) => (column.num ? 'num' : undefined);
  return (
    <table className={className} aria-labelledby={labelledBy}>
      {caption ? <caption className={hideCaption ? 'visually-hidden' : undefined}>{caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((column, i) => (
            <th key={column.key ?? `col-${i}`} scope="col" className={numClass(column)} aria-sort={column.ariaSort}>
              {column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, r) => (
          <tr key={rowKey(row, r)} className={rowClassName?.(row)}>
            {columns.map((column, i) => {
              const cellClass = column.cellClassName ? column.cellClassName(row) : numClass(column);
              return rowHeaders && i === 0 ? (
                <th key={column.key ?? `col-${i}`} scope="row" className={cellClass}>
                  {column.cell(row)}
                </th>
              ) : (
                <td key={column.key ?? `col-${i}`} className={cellClass}>
                  {column.cell(row)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
      {foot ? <tfoot>{foot}</tfoot> : null}
    </table>
  );
}
