// The "your session ends soon" warnings. They come only from the server's `expiring`
// events (the expiry service owns deadlines; the dashboard's clock may be wrong), are kept
// per instance, and stop applying once the instance's deadline moves (it was extended).
import type { Expiring, Instance } from "../client/types";

export interface ExpiryWarning {
  instance: string;
  expiresAt: string;
  leadSeconds: number;
}

export type ExpiryWarnings = ReadonlyMap<string, ExpiryWarning>;

/** The warnings after `event`: the nearest warning for a deadline wins. */
export function recordWarning(warnings: ExpiryWarnings, event: Expiring): ExpiryWarnings {
  const previous = warnings.get(event.instance);
  const sameDeadline =
    previous !== undefined && Date.parse(previous.expiresAt) === Date.parse(event.expires_at);
  if (sameDeadline && previous.leadSeconds <= event.lead_seconds) return warnings;
  const next = new Map(warnings);
  next.set(event.instance, {
    instance: event.instance,
    expiresAt: event.expires_at,
    leadSeconds: event.lead_seconds,
  });
  return next;
}

/** The warning that applies to `instance` now, if any (none once its deadline moved later). */
export function warningFor(
  warnings: ExpiryWarnings,
  instance: Pick<Instance, "name" | "expires_at">,
): ExpiryWarning | null {
  const warning = warnings.get(instance.name);
  if (warning === undefined) return null;
  return Date.parse(instance.expires_at) > Date.parse(warning.expiresAt) ? null : warning;
}

/** "Your session ends in 15 minutes — save your work". */
export function warningText(leadSeconds: number): string {
  const minutes = Math.max(1, Math.round(leadSeconds / 60));
  return `Your session ends in ${minutes} minute${minutes === 1 ? "" : "s"} — save your work`;
}
