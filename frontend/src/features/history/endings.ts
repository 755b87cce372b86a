// How a session ended, in plain words, from the reason recorded when it was terminated.
import { explainFailure } from "../sessions/failures";

const ENDINGS: Record<string, string> = {
  expired: "Reached its deadline",
  user: "Ended by you",
  admin: "Ended by an administrator",
  "startup-timeout": "Took too long to start",
  idle: "Ended after being idle",
};

export function howItEnded(reason: string | null, message: string | null): string {
  if (reason === null || reason === "") return message ? `Ended: ${message}` : "Ended";
  const ending = ENDINGS[reason];
  if (ending !== undefined) return ending;
  if (reason === "failed") return message ? `Failed to start: ${message}` : "Failed to start";
  const failure = explainFailure(reason, message);
  if (failure.known) return `Failed to start: ${failure.summary}`;
  return message ? `${reason}: ${message}` : reason;
}
