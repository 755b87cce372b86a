// The time left before the session's deadline, ticking with the page's clock.
import { countdownText } from "../../time/countdowns";
import { formatTime } from "../../time/timestamps";

export function SessionCountdown({ expiresAt, now }: { expiresAt: string; now: number }) {
  return (
    <p className="countdown">
      <span className="countdown-clock">{countdownText(expiresAt, now)}</span>{" "}
      <span className="muted">(deadline {formatTime(expiresAt)})</span>
    </p>
  );
}
