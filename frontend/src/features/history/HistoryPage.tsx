// History (/history): the learner's ended sessions as a table, with "Load more".
import { useId } from "react";
import { Link } from "react-router";
import type { Instance } from "../../client/types";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Loading } from "../../components/Loading";
import { PageHeading } from "../../components/PageHeading";
import { ScrollRegion } from "../../components/ScrollRegion";
import { routes } from "../../routes";
import { spanInWords } from "../../time/countdowns";
import { formatDateTime } from "../../time/timestamps";
import { RetentionPeriods } from "../archives/RetentionPeriods";
import { SavedWork } from "../archives/SavedWork";
import { useArchives, useRetention } from "../archives/useArchives";
import { howItEnded } from "./endings";
import { useHistory } from "./useHistory";

/** When the history retention rule forgets an ended session. */
function keptUntil(instance: Instance, historySeconds: number | undefined): string {
  if (instance.terminated_at === null || historySeconds === undefined) return "–";
  return formatDateTime(
    new Date(Date.parse(instance.terminated_at) + historySeconds * 1000).toISOString(),
  );
}

function lasted(instance: Instance): string {
  if (instance.terminated_at === null) return "–";
  return spanInWords((Date.parse(instance.terminated_at) - Date.parse(instance.created_at)) / 1000);
}

export function HistoryPage() {
  const captionId = useId();
  const history = useHistory();
  const rows = history.data?.pages.flatMap((page) => page.items) ?? [];
  const retention = useRetention();
  const archives = useArchives();
  const archivesOf = (name: string) => (archives.data ?? []).filter((a) => a.instance === name);

  return (
    <>
      <PageHeading>History</PageHeading>
      {history.isPending ? <Loading what="your history" /> : null}
      {history.isError && rows.length === 0 ? (
        <ErrorNotice
          error={history.error}
          context="Your history could not be loaded."
          onRetry={() => void history.refetch()}
        />
      ) : null}
      {history.isSuccess && rows.length === 0 ? (
        <div className="empty">
          <p>You have no ended sessions yet.</p>
          <p>
            <Link to={routes.catalog()}>Choose a workshop in the catalog</Link>
          </p>
        </div>
      ) : null}
      {rows.length > 0 ? (
        <>
          <ScrollRegion labelledBy={captionId}>
            <table className="table">
              <caption id={captionId}>Your ended sessions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Template</th>
                  <th scope="col">Started</th>
                  <th scope="col">Ended</th>
                  <th scope="col">Duration</th>
                  <th scope="col">How it ended</th>
                  <th scope="col">Your files</th>
                  <th scope="col">Kept until</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((instance) => (
                  <tr key={instance.name}>
                    <td>{instance.template_name}</td>
                    <td>{formatDateTime(instance.created_at)}</td>
                    <td>{formatDateTime(instance.terminated_at) || "–"}</td>
                    <td>{lasted(instance)}</td>
                    <td>{howItEnded(instance.reason, instance.message)}</td>
                    <td>
                      <SavedWork archives={archivesOf(instance.name)} />
                    </td>
                    <td>{keptUntil(instance, retention.data?.history_seconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          {history.isFetchNextPageError ? (
            <ErrorNotice error={history.error} context="More history could not be loaded." />
          ) : null}
          <div className="pager">
            {history.hasNextPage ? (
              <button
                type="button"
                className="button"
                disabled={history.isFetchingNextPage}
                onClick={() => void history.fetchNextPage()}
              >
                {history.isFetchingNextPage ? "Loading more…" : "Load more"}
              </button>
            ) : (
              <p className="muted">That is all your history.</p>
            )}
          </div>
        </>
      ) : null}
      <RetentionPeriods />
    </>
  );
}
