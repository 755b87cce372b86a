// Whether the page receives live updates. The page's only role="status" element, so a
// screen reader hears "Reconnecting…" when the stream drops and "Live" when it is back.
import { useLiveView } from "../live/liveContext";
import type { ConnectionState } from "../live/liveEvents";

const WORDS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
};

export function ConnectionStatus() {
  const { state } = useLiveView();
  return (
    <p role="status" className={`live-state live-state-${state}`}>
      <span className="live-dot" aria-hidden="true" />
      {WORDS[state]}
    </p>
  );
}
