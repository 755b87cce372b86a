// One active session on "My sessions": what it is, where it stands, how long it has left,
// the server's expiry warnings, and the controls to open, extend or end it.
import { useId } from "react";
import { Link } from "react-router";
import type { Instance } from "../../client/types";
import { routes } from "../../routes";
import { formatDateTime } from "../../time/timestamps";
import { DownloadWorkButton } from "../archives/DownloadWorkButton";
import { HelpConsent } from "../classes/HelpConsent";
import { EndSessionButton } from "./EndSessionButton";
import { ExpiryWarningBanner } from "./ExpiryWarningBanner";
import { IdleWarningBanner } from "./IdleWarningBanner";
import { ExtendControl } from "./ExtendControl";
import { FailureNotice } from "./FailureNotice";
import { OpenWorkshopLink } from "./OpenWorkshopLink";
import { SessionCountdown } from "./SessionCountdown";
import { phaseInWords } from "./phases";

export function SessionCard({ instance, now }: { instance: Instance; now: number }) {
  const headingId = useId();
  const running = instance.phase !== "Failed";
  return (
    <article className="card session-card" aria-labelledby={headingId}>
      <h2 id={headingId} className="card-title">
        {instance.template_name}
      </h2>
      <dl className="facts">
        <dt>Phase</dt>
        <dd>
          <span className={`phase phase-${instance.phase.toLowerCase()}`}>{instance.phase}</span>{" "}
          <span className="muted">{phaseInWords(instance.phase)}</span>
        </dd>
        <dt>Started</dt>
        <dd>{formatDateTime(instance.created_at)}</dd>
        <dt>Session</dt>
        <dd>
          <code>{instance.name}</code>
        </dd>
      </dl>
      <ExpiryWarningBanner instance={instance} />
      <IdleWarningBanner instance={instance} />
      {instance.phase === "Failed" ? <FailureNotice instance={instance} /> : null}
      {running ? <SessionCountdown expiresAt={instance.expires_at} now={now} /> : null}
      <div className="actions">
        {instance.phase === "Ready" ? (
          <OpenWorkshopLink name={instance.name} url={instance.url} />
        ) : null}
        <Link to={routes.session(instance.name)}>Session details</Link>
      </div>
      {running ? <ExtendControl instance={instance} now={now} /> : null}
      {instance.phase === "Ready" ? <HelpConsent instance={instance} /> : null}
      <DownloadWorkButton instance={instance} />
      <EndSessionButton instance={instance} />
    </article>
  );
}
