// A failed request in plain words, with the trace id to quote; never a stack trace.
import { describeError } from "../client/problems";
import { TraceId } from "./TraceId";

interface Props {
  error: unknown;
  /** What the page was trying to do, e.g. "The catalog could not be loaded." */
  context?: string;
  onRetry?: () => void;
}

export function ErrorNotice({ error, context, onRetry }: Props) {
  const { message, traceId, signingIn } = describeError(error);
  if (signingIn) return <p className="notice">{message}</p>;
  return (
    <div role="alert" className="notice notice-error">
      {context ? (
        <p>
          <strong>{context}</strong>
        </p>
      ) : null}
      <p>{message}</p>
      <TraceId traceId={traceId} />
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
