// The "Still there?" warnings of idle sessions. They come only from the server's `idle`
// events (the expiry service owns the idle rule: docs/src/content/docs/decisions/0060), are kept per instance (the
// latest idle period wins) and go away when the learner keeps the session.
import type { IdleWarning } from "../client/types";

export interface IdleNotice {
  instance: string;
  idleSince: string;
  endsAt: string;
}

export type IdleNotices = ReadonlyMap<string, IdleNotice>;

/** The notices after `event`: a warning for an older idle period changes nothing. */
export function recordIdle(notices: IdleNotices, event: IdleWarning): IdleNotices {
  const previous = notices.get(event.instance);
  if (previous !== undefined && Date.parse(previous.idleSince) >= Date.parse(event.idle_since)) {
    return notices;
  }
  const next = new Map(notices);
  next.set(event.instance, {
    instance: event.instance,
    idleSince: event.idle_since,
    endsAt: event.ends_at,
  });
  return next;
}

/** The notices once `instance` was kept (its idle period is over). */
export function forgetIdle(notices: IdleNotices, instance: string): IdleNotices {
  if (!notices.has(instance)) return notices;
  const next = new Map(notices);
  next.delete(instance);
  return next;
}
