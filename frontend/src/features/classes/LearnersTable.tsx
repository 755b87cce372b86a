// One row per learner of the class, as it is now.
import type { ClassLearner } from "../../client/types";
import { countdownText, spanInWords } from "../../time/countdowns";
import { useNow } from "../../time/useNow";

export function LearnersTable({ learners }: { learners: ClassLearner[] }) {
  const now = useNow();
  if (learners.length === 0) return <p>Nobody has joined yet.</p>;
  return (
    <table className="learners-table">
      <caption>Learners</caption>
      <thead>
        <tr>
          <th scope="col">Learner</th>
          <th scope="col">Phase</th>
          <th scope="col">Time to Ready</th>
          <th scope="col">Time left</th>
          <th scope="col">Problem</th>
          <th scope="col">Help</th>
        </tr>
      </thead>
      <tbody>
        {learners.map((row) => {
          const session = row.session;
          const live = session && !session.terminate_requested_at && session.phase !== "Terminated";
          return (
            <tr key={row.learner}>
              <th scope="row">{row.learner}</th>
              <td>
                {row.waiting
                  ? `Waiting (number ${row.waiting.position ?? "?"})`
                  : (session?.phase ?? "No session")}
              </td>
              <td>{row.seconds_to_ready === null ? "–" : spanInWords(row.seconds_to_ready)}</td>
              <td>{session && live ? countdownText(session.expires_at, now) : "–"}</td>
              <td>{session?.phase === "Failed" ? (session.reason ?? "failed") : ""}</td>
              <td>
                {session && row.help ? (
                  <a
                    href={`/api/v1/instances/${encodeURIComponent(session.name)}/open`}
                    target="_blank"
                    rel="noopener"
                    aria-label={`Open ${row.learner}'s workshop to help`}
                  >
                    Open (help)
                  </a>
                ) : (
                  ""
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
