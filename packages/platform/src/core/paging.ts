/** What every list of the store shares: one page of rows and the filters every list has. */

/** One page of a list: `rows` of this page and the `total` matching the filters. */
export interface Paged<T> {
  rows: T[];
  total: number;
}

/** Pagination and the created-at range (ISO instants, `from` inclusive, `before` exclusive). */
export interface ListQuery {
  offset: number;
  limit: number;
  createdFrom?: string;
  createdBefore?: string;
}
