// "How long Orchestra keeps things": every retention period the platform enforces
// (`GET /api/v1/retention`, the `ORCHESTRA_RETENTION_*` settings), in words, so a learner
// knows what is kept, for how long, before they need it.
import { useId } from "react";
import { periodInWords } from "../../time/countdowns";
import { useRetention } from "./useArchives";

export function RetentionPeriods() {
  const headingId = useId();
  const retention = useRetention();
  if (!retention.isSuccess) return null;
  const periods = retention.data;
  return (
    <section aria-labelledby={headingId} className="card">
      <h2 id={headingId} className="card-title">
        How long Orchestra keeps things
      </h2>
      <dl className="facts">
        <dt>Ended sessions in this history</dt>
        <dd>{periodInWords(periods.history_seconds)} after they ended</dd>
        <dt>Your saved work (downloads)</dt>
        <dd>
          {periods.exports_enabled
            ? `${periodInWords(periods.archives_seconds)} after it was saved`
            : "not saved on this platform: download your files before a session ends"}
        </dd>
        <dt>Persistent workspaces</dt>
        <dd>
          {periodInWords(periods.workspaces_seconds)} after a session last used one; you are
          warned {periodInWords(periods.workspace_warning_seconds)} before it is deleted
        </dd>
        <dt>Record of admin and instructor actions</dt>
        <dd>{periodInWords(periods.audit_seconds)}</dd>
      </dl>
    </section>
  );
}
