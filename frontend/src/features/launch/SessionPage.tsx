// One session's page (/sessions/:name): the launch's progress step by step, live, then the
// way into the workshop, its countdown and the extend/end controls. Re-read on every visit,
// after the live stream reconnects, and every 15 seconds as a safety net.
import { Link, useParams } from "react-router";
import { ApiError } from "../../client/problems";
import type { Instance } from "../../client/types";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Loading } from "../../components/Loading";
import { PageHeading } from "../../components/PageHeading";
import { routes } from "../../routes";
import { elapsedText, formatClock } from "../../time/countdowns";
import { useNow } from "../../time/useNow";
import { EndSessionButton } from "../sessions/EndSessionButton";
import { ExpiryWarningBanner } from "../sessions/ExpiryWarningBanner";
import { IdleWarningBanner } from "../sessions/IdleWarningBanner";
import { ExtendControl } from "../sessions/ExtendControl";
import { FailureNotice } from "../sessions/FailureNotice";
import { OpenWorkshopLink } from "../sessions/OpenWorkshopLink";
import { phaseInWords } from "../sessions/phases";
import { SessionCountdown } from "../sessions/SessionCountdown";
import { useSession, useSessionTransitions } from "../sessions/useSession";
import { LaunchSteps } from "./LaunchSteps";
import { isLaunchStep, lastStepReached, launchSteps } from "./launchSteps";

function useSessionName(): string {
  return useParams<"name">().name ?? "";
}

export function SessionPage() {
  const name = useSessionName();
  const session = useSession(name);

  if (session.isPending) {
    return (
      <>
        <PageHeading title="Session">Session</PageHeading>
        <Loading what="the session" />
      </>
    );
  }
  if (session.isError) {
    const missing = session.error instanceof ApiError && session.error.status === 404;
    return (
      <>
        <PageHeading>{missing ? "Session not found" : "Session"}</PageHeading>
        <ErrorNotice
          error={session.error}
          context={missing ? undefined : "The session could not be loaded."}
          onRetry={missing ? undefined : () => void session.refetch()}
        />
        <p>
          <Link to={routes.sessions()}>Go to My sessions</Link>
        </p>
      </>
    );
  }
  return <SessionView instance={session.data} />;
}

function SessionView({ instance }: { instance: Instance }) {
  const starting = isLaunchStep(instance.phase) && instance.phase !== "Ready";
  const ended = instance.phase === "Terminated";
  const now = useNow(1000, !ended);
  const transitions = useSessionTransitions(instance.name, instance.phase === "Failed");
  const failedIn = transitions.data
    ? lastStepReached(transitions.data.transitions.map((entry) => entry.phase))
    : null;
  const steps = launchSteps({
    phase: instance.phase,
    wasReady: instance.ready_at !== null,
    failedIn,
  });
  const readyAfter =
    instance.ready_at === null
      ? null
      : (Date.parse(instance.ready_at) - Date.parse(instance.created_at)) / 1000;

  return (
    <>
      <PageHeading>{instance.template_name}</PageHeading>
      <p className="muted">
        Session <code>{instance.name}</code>
      </p>
      <ExpiryWarningBanner instance={instance} />
      <IdleWarningBanner instance={instance} />
      <section className="card launch-card" aria-label="Progress">
        <LaunchSteps steps={steps} />
        <p className="step-text" aria-live="polite">
          {phaseInWords(instance.phase)}
        </p>
        {starting ? <p className="elapsed">{elapsedText(instance.created_at, now)}</p> : null}
        {instance.phase === "Ready" && readyAfter !== null ? (
          <p className="muted">Ready after {formatClock(readyAfter)}</p>
        ) : null}
        {instance.phase === "Ready" ? (
          <p className="open-workshop">
            <OpenWorkshopLink name={instance.name} url={instance.url} />
          </p>
        ) : null}
        {instance.phase === "Failed" ? <FailureNotice instance={instance} /> : null}
      </section>
      {ended ? (
        <p>
          <Link to={routes.history()}>See it in your history</Link>
        </p>
      ) : (
        <section className="card" aria-label="Session controls">
          {instance.phase !== "Failed" ? (
            <>
              <SessionCountdown expiresAt={instance.expires_at} now={now} />
              <ExtendControl instance={instance} now={now} />
            </>
          ) : null}
          <EndSessionButton instance={instance} />
        </section>
      )}
    </>
  );
}
