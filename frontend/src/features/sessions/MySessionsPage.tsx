// "My sessions": every session of the learner's that has not ended, live.
import { Link } from "react-router";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Loading } from "../../components/Loading";
import { PageHeading } from "../../components/PageHeading";
import { routes } from "../../routes";
import { useNow } from "../../time/useNow";
import { WorkspacesPanel } from "../workspaces/WorkspacesPanel";
import { SessionCard } from "./SessionCard";
import { useMySessions } from "./useMySessions";

export function MySessionsPage() {
  const sessions = useMySessions();
  const now = useNow(1000);
  return (
    <>
      <PageHeading>My sessions</PageHeading>
      {sessions.isPending ? <Loading what="your sessions" /> : null}
      {sessions.isError ? (
        <ErrorNotice
          error={sessions.error}
          context="Your sessions could not be loaded."
          onRetry={() => void sessions.refetch()}
        />
      ) : null}
      {sessions.isSuccess && sessions.data.length === 0 ? (
        <div className="empty">
          <p>You have no active sessions.</p>
          <p>
            <Link to={routes.catalog()}>Choose a workshop in the catalog</Link>
          </p>
        </div>
      ) : null}
      {sessions.isSuccess && sessions.data.length > 0 ? (
        <div className="stack">
          {sessions.data.map((instance) => (
            <SessionCard key={instance.name} instance={instance} now={now} />
          ))}
        </div>
      ) : null}
      <WorkspacesPanel />
    </>
  );
}
