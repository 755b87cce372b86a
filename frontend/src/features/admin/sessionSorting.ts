// Sorting the admin sessions table by a column, on the page shown (the api pages newest
// first; sorting re-orders what is on screen). Phases sort in lifecycle order, times in
// time order, text alphabetically; ties keep the api's order.
import { PHASES, type Instance } from "../../client/types";

export type SortColumn = "name" | "owner" | "template" | "phase" | "created_at" | "expires_at";
export type SortDirection = "ascending" | "descending";

export interface Sort {
  column: SortColumn;
  direction: SortDirection;
}

export const DEFAULT_SORT: Sort = { column: "created_at", direction: "descending" };

function compare(a: Instance, b: Instance, column: SortColumn): number {
  switch (column) {
    case "phase":
      return PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase);
    case "created_at":
    case "expires_at":
      return Date.parse(a[column]) - Date.parse(b[column]);
    case "name":
    case "owner":
    case "template":
      return a[column].localeCompare(b[column]);
  }
}

export function sortSessions(items: readonly Instance[], sort: Sort): Instance[] {
  const sign = sort.direction === "ascending" ? 1 : -1;
  return items
    .map((item, index) => ({ item, index }))
    .sort((x, y) => sign * compare(x.item, y.item, sort.column) || x.index - y.index)
    .map(({ item }) => item);
}

/** The sort after clicking `column`'s header: the same column flips, a new one starts
 * ascending (times start with the newest). */
export function nextSort(current: Sort, column: SortColumn): Sort {
  if (current.column === column) {
    return { column, direction: current.direction === "ascending" ? "descending" : "ascending" };
  }
  const timeColumn = column === "created_at" || column === "expires_at";
  return { column, direction: timeColumn ? "descending" : "ascending" };
}
