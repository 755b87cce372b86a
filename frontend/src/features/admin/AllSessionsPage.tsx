// Admin › Sessions (/admin): every learner's sessions, filtered (kept in the URL, so a
// view can be shared), sortable by column, live through the all-learners stream, one page
// at a time with the api's cursor, each with "Terminate".
import { useCallback, useId, useState } from "react";
import { useSearchParams } from "react-router";
import { PHASES, type Instance, type Phase } from "../../client/types";
import { ErrorNotice } from "../../components/ErrorNotice";
import { IdleSessionsPanel } from "./IdleSessionsPanel";
import { Loading } from "../../components/Loading";
import { PageHeading } from "../../components/PageHeading";
import { ScrollRegion } from "../../components/ScrollRegion";
import { formatDateTime } from "../../time/timestamps";
import { SessionFiltersForm } from "./SessionFiltersForm";
import { DEFAULT_SORT, nextSort, sortSessions, type Sort, type SortColumn } from "./sessionSorting";
import { TerminateButton } from "./TerminateButton";
import { useAdminSessions, useAdminTemplates, type SessionFilters } from "./useAdminSessions";

const COLUMNS: readonly { column: SortColumn; label: string }[] = [
  { column: "name", label: "Name" },
  { column: "owner", label: "Owner" },
  { column: "template", label: "Template" },
  { column: "phase", label: "Phase" },
  { column: "created_at", label: "Created" },
  { column: "expires_at", label: "Expires" },
];

function readFilters(params: URLSearchParams): SessionFilters {
  const phase = params.get("phase") ?? "";
  return {
    user: params.get("user") ?? "",
    template: params.get("template") ?? "",
    phase: (PHASES as readonly string[]).includes(phase) ? (phase as Phase) : "",
  };
}

export function AllSessionsPage() {
  const captionId = useId();
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const filtersKey = JSON.stringify(filters);
  // Cursors of the pages visited, for "Previous page"; reset whenever the filters change.
  const [paging, setPaging] = useState<{ key: string; cursors: (string | null)[] }>({
    key: filtersKey,
    cursors: [null],
  });
  const cursors = paging.key === filtersKey ? paging.cursors : [null];
  const cursor = cursors[cursors.length - 1] ?? null;
  const [sort, setSort] = useState<Sort>(DEFAULT_SORT);

  const sessions = useAdminSessions(filters, cursor);
  const templates = useAdminTemplates();

  const applyFilter = useCallback(
    (field: keyof SessionFilters, value: string) => {
      setParams(
        (current) => {
          const query = new URLSearchParams(current);
          if (value === "") query.delete(field);
          else query.set(field, value);
          return query;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  const rows: Instance[] = sessions.data ? sortSessions(sessions.data.items, sort) : [];
  const next = sessions.data?.next ?? null;

  return (
    <>
      <PageHeading>All sessions</PageHeading>
      <IdleSessionsPanel />
      <SessionFiltersForm
        filters={filters}
        templates={templates.data ?? []}
        onFilter={applyFilter}
      />
      {sessions.isPending ? <Loading what="sessions" /> : null}
      {sessions.isError ? (
        <ErrorNotice
          error={sessions.error}
          context="The sessions could not be loaded."
          onRetry={() => void sessions.refetch()}
        />
      ) : null}
      {sessions.isSuccess && rows.length === 0 ? (
        <p className="empty">No session matches these filters.</p>
      ) : null}
      {rows.length > 0 ? (
        <ScrollRegion labelledBy={captionId}>
          <table className="table">
            <caption id={captionId}>
              Sessions{cursors.length > 1 ? `, page ${cursors.length}` : ""}
            </caption>
            <thead>
              <tr>
                {COLUMNS.map(({ column, label }) => (
                  <th
                    key={column}
                    scope="col"
                    aria-sort={sort.column === column ? sort.direction : undefined}
                  >
                    <button
                      type="button"
                      className="sort-button"
                      onClick={() => {
                        setSort(nextSort(sort, column));
                      }}
                    >
                      {label}
                      <span aria-hidden="true" className="sort-mark">
                        {sort.column === column
                          ? sort.direction === "ascending"
                            ? " ▲"
                            : " ▼"
                          : " ↕"}
                      </span>
                    </button>
                  </th>
                ))}
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((instance) => (
                <tr key={instance.name}>
                  <td>
                    <code>{instance.name}</code>
                  </td>
                  <td>{instance.owner}</td>
                  <td>{instance.template}</td>
                  <td>{instance.phase}</td>
                  <td>{formatDateTime(instance.created_at)}</td>
                  <td>{formatDateTime(instance.expires_at)}</td>
                  <td>
                    <TerminateButton instance={instance} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
      {sessions.isSuccess && (cursors.length > 1 || next !== null) ? (
        <div className="pager">
          <button
            type="button"
            className="button"
            disabled={cursors.length <= 1}
            onClick={() => {
              setPaging({ key: filtersKey, cursors: cursors.slice(0, -1) });
            }}
          >
            Previous page
          </button>
          <button
            type="button"
            className="button"
            disabled={next === null || sessions.isPlaceholderData}
            onClick={() => {
              setPaging({ key: filtersKey, cursors: [...cursors, next] });
            }}
          >
            Next page
          </button>
        </div>
      ) : null}
    </>
  );
}
