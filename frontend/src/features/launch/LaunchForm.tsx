// "Duration" and "Launch" for one template. After a launch the learner goes to the new
// session's progress page; when the platform is full they wait in line here instead
// (WaitingLineCard), and a place already held is shown when the page is opened again. Refusals are explained where they matter: the learner's limit
// (with a link to the session already running), a full platform (with a countdown to
// retry), a bad duration (next to the field), anything else with its trace id.
import { useState, type SubmitEvent } from "react";
import { Link, useNavigate } from "react-router";
import {
  ApiError,
  capacityRetryAfter,
  describeError,
  existingSessionName,
} from "../../client/problems";
import { isWaitingTicket, type Template, type WaitingTicket } from "../../client/types";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TraceId } from "../../components/TraceId";
import { routes } from "../../routes";
import { checkTypedDuration, durationChoices, parseApiDuration } from "../../time/durations";
import { CapacityNotice } from "./CapacityNotice";
import { CUSTOM, DurationPicker } from "./DurationPicker";
import { useLaunch, type LaunchRequest } from "./useLaunch";
import { useMyPlaces } from "./useWaitingTicket";
import { WaitingLineCard } from "./WaitingLineCard";

function defaultChoice(template: Template): string {
  const choices = durationChoices(template.default_duration, template.max_duration);
  return (choices.find((choice) => choice.isDefault) ?? choices[0])?.value ?? CUSTOM;
}

export function LaunchForm({ template }: { template: Template }) {
  const navigate = useNavigate();
  const launch = useLaunch();
  const [choice, setChoice] = useState(() => defaultChoice(template));
  const [custom, setCustom] = useState("");
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [lastRequest, setLastRequest] = useState<LaunchRequest | null>(null);
  const [queued, setQueued] = useState<WaitingTicket | null>(null);
  const places = useMyPlaces();
  const held =
    places.data?.find((place) => place.class_id === null && place.template === template.slug) ??
    null;
  const ticket = queued ?? held;

  function send(request: LaunchRequest) {
    setLastRequest(request);
    setRetryAt(null);
    launch.mutate(request, {
      onSuccess: (answer) => {
        if (isWaitingTicket(answer)) setQueued(answer);
        else void navigate(routes.session(answer.name));
      },
      onError: (error) => {
        const wait = capacityRetryAfter(error);
        if (wait !== null) setRetryAt(Date.now() + wait * 1000);
      },
    });
  }

  function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    let duration = choice;
    if (choice === CUSTOM) {
      const checked = checkTypedDuration(custom, parseApiDuration(template.max_duration));
      if (!checked.ok) {
        setFieldError(checked.error);
        return;
      }
      duration = checked.value;
    }
    setFieldError(null);
    send({ template: template.slug, duration });
  }

  function edited() {
    setFieldError(null);
    if (!launch.isPending) launch.reset();
  }

  const error = launch.error;
  const kind = error instanceof ApiError ? error.kind : null;
  const status = error instanceof ApiError ? error.status : null;
  const durationRefused = status === 422;
  const apiFieldError = durationRefused ? describeError(error) : null;
  const existing = existingSessionName(error);

  return (
    <form className="launch-form" onSubmit={submit} noValidate>
      <DurationPicker
        defaultDuration={template.default_duration}
        maxDuration={template.max_duration}
        choice={choice}
        custom={custom}
        onChoice={(value) => {
          setChoice(value);
          edited();
        }}
        onCustom={(value) => {
          setCustom(value);
          edited();
        }}
        error={fieldError ?? apiFieldError?.message ?? null}
        errorExtra={apiFieldError ? <TraceId traceId={apiFieldError.traceId} /> : null}
      />
      <button type="submit" className="button button-primary" disabled={launch.isPending}>
        {launch.isPending ? "Launching…" : "Launch"}
      </button>
      {kind === "limit-reached" ? (
        <div role="alert" className="notice notice-warning">
          <p>{describeError(error).message}</p>
          <p>
            <Link to={existing ? routes.session(existing) : routes.sessions()}>
              Go to your running session
            </Link>
          </p>
          <TraceId traceId={describeError(error).traceId} />
        </div>
      ) : null}
      {retryAt !== null && status === 429 ? (
        <CapacityNotice
          retryAt={retryAt}
          traceId={error instanceof ApiError ? error.traceId : null}
          retrying={launch.isPending}
          onRetry={() => {
            if (lastRequest) send(lastRequest);
          }}
        />
      ) : null}
      {error && kind !== "limit-reached" && status !== 429 && !durationRefused ? (
        <ErrorNotice error={error} context="The workshop could not be launched." />
      ) : null}
      {ticket ? <WaitingLineCard key={ticket.ticket} first={ticket} /> : null}
    </form>
  );
}
