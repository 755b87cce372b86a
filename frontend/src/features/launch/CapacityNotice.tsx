// The platform refused a launch because it is full (429). It says how long to wait,
// counts down, and enables "Try again" when the wait is over. The alert is announced once
// when it appears; the ticking seconds inside it are not re-announced every second.
import { TraceId } from "../../components/TraceId";
import { useNow } from "../../time/useNow";

interface Props {
  /** When the api said a retry may succeed (ms since epoch). */
  retryAt: number;
  traceId: string | null;
  onRetry: () => void;
  retrying: boolean;
}

export function capacityText(secondsLeft: number): string {
  if (secondsLeft <= 0) return "The platform was full a moment ago; you can try again now.";
  const unit = secondsLeft === 1 ? "second" : "seconds";
  return `The platform is full right now; try again in ${secondsLeft} ${unit}.`;
}

export function CapacityNotice({ retryAt, traceId, onRetry, retrying }: Props) {
  const now = useNow(1000);
  const left = Math.max(0, Math.ceil((retryAt - now) / 1000));
  return (
    <div role="alert" className="notice notice-warning">
      <p aria-live="off">{capacityText(left)}</p>
      <TraceId traceId={traceId} />
      <button type="button" className="button" disabled={left > 0 || retrying} onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
