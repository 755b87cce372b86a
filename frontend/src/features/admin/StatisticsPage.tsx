// Admin › Statistics (/admin/stats): launches per template over a chosen period, with how
// many run now, how many learners, and how long launches took to become Ready.
import { useId, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Loading } from "../../components/Loading";
import { PageHeading } from "../../components/PageHeading";
import { ScrollRegion } from "../../components/ScrollRegion";
import { formatDateTime } from "../../time/timestamps";
import { formatSeconds, isPeriodKey, PERIODS, sinceFor, type PeriodKey } from "./periods";
import { useLaunchStats } from "./useAdminSessions";

export function StatisticsPage() {
  const id = useId();
  const [period, setPeriod] = useState<{ key: PeriodKey; since: string | null }>(() => ({
    key: "7d",
    since: sinceFor("7d", Date.now()),
  }));
  const stats = useLaunchStats(period.since);
  const rows = stats.data?.templates ?? [];

  return (
    <>
      <PageHeading>Statistics</PageHeading>
      <div className="filters">
        <div className="field">
          <label htmlFor={`${id}-period`}>Period</label>
          <select
            id={`${id}-period`}
            value={period.key}
            onChange={(event) => {
              const key = event.target.value;
              if (isPeriodKey(key)) setPeriod({ key, since: sinceFor(key, Date.now()) });
            }}
          >
            {PERIODS.map((option) => (
              <option key={option.key} value={option.key}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {stats.isPending ? <Loading what="statistics" /> : null}
      {stats.isError ? (
        <ErrorNotice
          error={stats.error}
          context="The statistics could not be loaded."
          onRetry={() => void stats.refetch()}
        />
      ) : null}
      {stats.isSuccess && rows.length === 0 ? (
        <p className="empty">No launches in this period.</p>
      ) : null}
      {rows.length > 0 ? (
        <ScrollRegion labelledBy={`${id}-caption`}>
          <table className="table">
            <caption id={`${id}-caption`}>
              Launches per template{" "}
              {stats.data?.since ? `since ${formatDateTime(stats.data.since)}` : "of all time"}
            </caption>
            <thead>
              <tr>
                <th scope="col">Template</th>
                <th scope="col" className="number">
                  Launches
                </th>
                <th scope="col" className="number">
                  Active now
                </th>
                <th scope="col" className="number">
                  Unique users
                </th>
                <th scope="col" className="number">
                  Time to Ready p50 (s)
                </th>
                <th scope="col" className="number">
                  Time to Ready p95 (s)
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.template}>
                  <td>{row.template}</td>
                  <td className="number">{row.launches}</td>
                  <td className="number">{row.active}</td>
                  <td className="number">{row.unique_users}</td>
                  <td className="number">{formatSeconds(row.median_seconds_to_ready)}</td>
                  <td className="number">{formatSeconds(row.p95_seconds_to_ready)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
    </>
  );
}
