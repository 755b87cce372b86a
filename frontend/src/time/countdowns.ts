// Clock-style time spans for the ticking displays: the countdown to a session's deadline
// ("Ends in 1:23:45"), the time a launch has taken ("Elapsed 0:07"), and spans in words
// for tables ("2 h 5 min").

/** Seconds as a clock: "M:SS" under an hour, "H:MM:SS" from an hour on. */
export function formatClock(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  const ss = String(rest).padStart(2, "0");
  if (hours === 0) return `${minutes}:${ss}`;
  return `${hours}:${String(minutes).padStart(2, "0")}:${ss}`;
}

/** Seconds left until `deadline` (rounded up, so 0 means the deadline has come). */
export function secondsUntil(deadline: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(deadline) - now) / 1000));
}

/** "Ends in 1:23:45"; "Ending…" once the deadline has passed. */
export function countdownText(expiresAt: string, now: number): string {
  const left = secondsUntil(expiresAt, now);
  return left > 0 ? `Ends in ${formatClock(left)}` : "Ending…";
}

/** "Elapsed 0:07" since `since`. */
export function elapsedText(since: string, now: number): string {
  return `Elapsed ${formatClock((now - Date.parse(since)) / 1000)}`;
}

/** A span in short words for tables: "45 s", "12 min", "2 h 5 min", "3 h". */
export function spanInWords(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** A retention period in words: days when it is a day or more ("30 days"), else as a span. */
export function periodInWords(totalSeconds: number): string {
  const days = totalSeconds / 86400;
  if (days < 1) return spanInWords(totalSeconds);
  const whole = Math.round(days * 10) / 10;
  return whole === 1 ? "1 day" : `${String(whole)} days`;
}
