// Admin › Sessions: the running sessions nobody has used for five minutes or more, with
// when their learner is warned and when they end (the expiry service's idle rule,
// docs/src/content/docs/decisions/0060). Only templates with an idle timeout appear here.
import { useId } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { ScrollRegion } from "../../components/ScrollRegion";
import { formatDateTime } from "../../time/timestamps";
import { useIdleSessions } from "./useAdminSessions";

const QUIET_SECONDS = 300;

export function IdleSessionsPanel() {
  const headingId = useId();
  const idle = useIdleSessions(QUIET_SECONDS);
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>Idle sessions</h2>
      {idle.isError ? (
        <ErrorNotice
          error={idle.error}
          context="The idle sessions could not be loaded."
          onRetry={() => void idle.refetch()}
        />
      ) : null}
      {idle.isSuccess && idle.data.length === 0 ? (
        <p className="empty">No session has been idle for five minutes or more.</p>
      ) : null}
      {idle.isSuccess && idle.data.length > 0 ? (
        <ScrollRegion labelledBy={headingId}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Owner</th>
                <th scope="col">Template</th>
                <th scope="col">Last activity</th>
                <th scope="col">Warned</th>
                <th scope="col">Ends</th>
              </tr>
            </thead>
            <tbody>
              {idle.data.map((session) => (
                <tr key={session.name}>
                  <td>
                    <code>{session.name}</code>
                  </td>
                  <td>{session.owner}</td>
                  <td>{session.template}</td>
                  <td>{formatDateTime(session.last_active_at)}</td>
                  <td>{session.warned ? "yes" : `at ${formatDateTime(session.warning_at)}`}</td>
                  <td>{formatDateTime(session.ends_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
    </section>
  );
}
