import type { ComponentChildren } from 'preact';
import type { Paged } from '../hooks';
import { LoadState } from './layout';

export interface Column<T> {
  header: string;
  cell: (row: T) => ComponentChildren;
  /** Right-aligned figures, nowrap codes. */
  kind?: 'number' | 'code';
}

export interface TableProps<T> {
  caption: string;
  columns: Array<Column<T>>;
  rows: T[];
  rowKey: (row: T) => string;
  empty: ComponentChildren;
  selected?: string;
}

/** A readable table: a caption for screen readers, column headers, an empty state in place of no rows. */
export function DataTable<T>({ caption, columns, rows, rowKey, empty, selected }: TableProps<T>) {
  if (rows.length === 0) return <>{empty}</>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" class={column.kind ? `col-${column.kind}` : undefined} key={column.header}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const key = rowKey(row);
            return (
              <tr key={key} class={key === selected ? 'selected' : undefined}>
                {columns.map((column) => (
                  <td class={column.kind ? `col-${column.kind}` : undefined} key={column.header}>
                    {column.cell(row)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function Pager({
  pageNumber,
  count,
  previous,
  next,
  what,
}: {
  pageNumber: number;
  count: number;
  previous?: () => void;
  next?: () => void;
  what: string;
}) {
  if (!previous && !next) return null;
  return (
    <nav class="pager" aria-label={`Pages of ${what}`}>
      <button type="button" onClick={previous} disabled={!previous}>
        ← Previous
      </button>
      <span>
        Page {pageNumber} · {count} {what}
      </span>
      <button type="button" onClick={next} disabled={!next}>
        Next →
      </button>
    </nav>
  );
}

/** One page of a keyset-paged list: loading and errors, the table, Previous and Next. */
export function PagedTable<T>({ list, what, ...table }: { list: Paged<T>; what: string } & Omit<TableProps<T>, 'rows'>) {
  return (
    <LoadState loaded={list} what={what}>
      {(page) => (
        <div>
          <DataTable<T> rows={page.items} {...table} />
          <Pager what={`${what} on this page`} pageNumber={list.pageNumber} count={page.items.length} previous={list.previous} next={list.next} />
        </div>
      )}
    </LoadState>
  );
}
