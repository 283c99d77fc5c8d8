import { DataTable, type DataTableProps } from '../data-table';

/**
 * A table of figures with a chart or on its own: the first column names each row (scope="row"); a wide one
 * scrolls in its own box rather than the page.
 */
export function FigureTable<Row>({ wide = false, ...props }: { wide?: boolean } & Omit<DataTableProps<Row>, 'className' | 'rowHeaders'>) {
  const table = <DataTable className="figure-table" rowHeaders {...props} />;
  return wide ? <div className="wide-table">{table}</div> : table;
}
