// What the "Extend" control may offer for a session. The api's rules: a session still
// starting or running, not past its deadline, with extensions left, and a new deadline no
// later than `latest_expires_at` (launch + the template's maximum duration). The control
// offers only lengths that fit, and says in words why it is disabled when none do.
import type { Instance } from "../../client/types";
import { durationInWords, formatDuration } from "../../time/durations";

const EXTENDABLE: readonly Instance["phase"][] = ["Requested", "Pending", "Provisioning", "Ready"];
const STEPS_MINUTES = [30, 60];

export interface ExtensionChoice {
  value: string;
  label: string;
}

export type ExtensionOffer =
  { possible: true; choices: ExtensionChoice[] } | { possible: false; reason: string };

type Extendable = Pick<
  Instance,
  "phase" | "expires_at" | "extensions_left" | "latest_expires_at" | "terminate_requested_at"
>;

export function extensionOffer(instance: Extendable, now: number): ExtensionOffer {
  if (!EXTENDABLE.includes(instance.phase) || instance.terminate_requested_at) {
    return { possible: false, reason: "This session is ending, so it cannot be extended." };
  }
  const deadline = Date.parse(instance.expires_at);
  if (deadline <= now) {
    return { possible: false, reason: "This session has reached its deadline." };
  }
  if (instance.extensions_left <= 0) {
    return {
      possible: false,
      reason: "No extensions left: this session has been extended as often as allowed.",
    };
  }
  const latest = instance.latest_expires_at ? Date.parse(instance.latest_expires_at) : null;
  const roomMinutes = latest === null ? null : Math.floor((latest - deadline) / 60_000);
  if (roomMinutes !== null && roomMinutes <= 0) {
    return {
      possible: false,
      reason: "This session already runs until the latest time this workshop allows.",
    };
  }
  const fitting = STEPS_MINUTES.filter((step) => roomMinutes === null || step <= roomMinutes);
  // Less than the smallest step left: offer exactly what remains.
  const minutes = fitting.length > 0 || roomMinutes === null ? fitting : [roomMinutes];
  return {
    possible: true,
    choices: minutes.map((step) => ({ value: formatDuration(step), label: durationInWords(step) })),
  };
}

/** Plain words for a refused extension (the api's 409 kinds), before the api's detail. */
export function refusalHeadline(kind: string | null): string {
  switch (kind) {
    case "extensions-exhausted":
      return "No extensions left.";
    case "max-duration-exceeded":
      return "That would run past this workshop's maximum duration.";
    case "instance-ended":
      return "This session has ended or is ending.";
    default:
      return "The session could not be extended.";
  }
}
