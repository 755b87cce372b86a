// The instructor's view of one class: every learner live (phase, time to Ready, time left,
// failures, place in line, help where the learner allows it), its warm pool, and the
// class-wide actions: extend everyone, end the class, message it, download the report. Live
// through the class's own stream (useClassLive), not by polling.
import { useParams } from "react-router";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Loading } from "../../components/Loading";
import { PageHeading } from "../../components/PageHeading";
import { formatDateTime } from "../../time/timestamps";
import { ClassActions } from "./ClassActions";
import { ClassMessageForm } from "./ClassMessageForm";
import { LearnersTable } from "./LearnersTable";
import { useClassLive } from "./useClassLive";
import { useClassRoster } from "./useClasses";
import { warmPoolWords } from "./warmPoolWords";

const LIVE_IN_WORDS = {
  connecting: "Connecting to the class…",
  live: "Live: changes show as they happen.",
  reconnecting: "Reconnecting; the roster is read every minute meanwhile.",
} as const;

export function ClassRosterPage() {
  const { id = "" } = useParams();
  const roster = useClassRoster(id);
  const live = useClassLive(id);
  if (roster.isPending) return <Loading what="the class" />;
  if (roster.isError)
    return <ErrorNotice error={roster.error} context="The class could not be read." />;
  const klass = roster.data.class;
  const counts = Object.entries(roster.data.phases)
    .map(([phase, count]) => `${count} ${phase}`)
    .join(", ");
  return (
    <>
      <PageHeading>{klass.title}</PageHeading>
      <p>
        {klass.template}, {formatDateTime(klass.starts_at)} to {formatDateTime(klass.ends_at)}. Join
        code: <code className="join-code">{klass.join_code}</code>.{" "}
        {klass.ended_at ? <strong>Ended {formatDateTime(klass.ended_at)}.</strong> : null}
      </p>
      <p className="muted class-live" data-state={live}>
        {LIVE_IN_WORDS[live]}{" "}
        {klass.help_without_consent
          ? "Instructors may open learners' workshops to help without asking."
          : "You may open a learner's workshop to help once they allow it."}
      </p>
      <p role="status" aria-live="polite" className="class-counts">
        {roster.data.learners.length} of {klass.expected_size} expected joined
        {counts ? ` (${counts})` : ""}; {roster.data.waiting.length} waiting.
      </p>
      {klass.warm_pool ? <p className="warm-pool">{warmPoolWords(roster.data)}</p> : null}
      <ClassActions classId={klass.id} ended={klass.ended_at !== null} />
      <p>
        <a href={`/api/v1/classes/${encodeURIComponent(klass.id)}/report.csv`} download>
          Download the class report (CSV)
        </a>
      </p>
      <ClassMessageForm classId={klass.id} />
      <LearnersTable learners={roster.data.learners} />
    </>
  );
}
