// Admin › Audit (/admin/audit): who did what to what, and when: admins ending or extending
// a learner's session, instructors creating, extending, ending or messaging a class. Each
// entry was written with the action itself; the platform keeps them for its audit period.
import { useId, useState } from "react";
import type { AuditEntry } from "../../client/types";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Loading } from "../../components/Loading";
import { PageHeading } from "../../components/PageHeading";
import { ScrollRegion } from "../../components/ScrollRegion";
import { formatDateTime } from "../../time/timestamps";
import { AUDIT_ACTIONS, useAudit, type AuditFilters } from "./useAudit";

const NO_FILTERS: AuditFilters = { actor: "", action: "", target: "" };

/** The details of an entry as short text ("by: 30m, recipients: 12"). */
export function detailsInWords(entry: AuditEntry): string {
  return Object.entries(entry.details)
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");
}

export function AuditPage() {
  const id = useId();
  const [draft, setDraft] = useState<AuditFilters>(NO_FILTERS);
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const audit = useAudit(filters, cursor);
  const rows = audit.data?.items ?? [];
  return (
    <>
      <PageHeading>Audit</PageHeading>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
          setCursors([null]);
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-actor`}>Who</label>
          <input
            id={`${id}-actor`}
            type="email"
            value={draft.actor}
            onChange={(event) => {
              setDraft({ ...draft, actor: event.target.value });
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-action`}>Action</label>
          <select
            id={`${id}-action`}
            value={draft.action}
            onChange={(event) => {
              setDraft({ ...draft, action: event.target.value });
            }}
          >
            <option value="">Any</option>
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-target`}>Session or class</label>
          <input
            id={`${id}-target`}
            value={draft.target}
            onChange={(event) => {
              setDraft({ ...draft, target: event.target.value });
            }}
          />
        </div>
        <button type="submit" className="button">
          Filter
        </button>
      </form>
      {audit.isPending ? <Loading what="the audit" /> : null}
      {audit.isError ? (
        <ErrorNotice
          error={audit.error}
          context="The audit could not be loaded."
          onRetry={() => void audit.refetch()}
        />
      ) : null}
      {audit.isSuccess && rows.length === 0 ? (
        <p className="empty">No admin or instructor action matches.</p>
      ) : null}
      {rows.length > 0 ? (
        <ScrollRegion labelledBy={`${id}-caption`}>
          <table className="table">
            <caption id={`${id}-caption`}>Admin and instructor actions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">On</th>
                <th scope="col">Learner</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((entry) => (
                <tr key={entry.id}>
                  <td>{formatDateTime(entry.occurred_at)}</td>
                  <td>
                    {entry.actor} <span className="muted">({entry.role})</span>
                  </td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td>
                    {entry.target_kind} <code>{entry.target}</code>
                  </td>
                  <td>{entry.subject ?? "–"}</td>
                  <td>{detailsInWords(entry)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
      <div className="pager">
        {cursors.length > 1 ? (
          <button
            type="button"
            className="button"
            onClick={() => {
              setCursors(cursors.slice(0, -1));
            }}
          >
            Newer
          </button>
        ) : null}
        {audit.data?.next ? (
          <button
            type="button"
            className="button"
            onClick={() => {
              const next = audit.data.next;
              if (next) setCursors([...cursors, next]);
            }}
          >
            Older
          </button>
        ) : null}
      </div>
    </>
  );
}
