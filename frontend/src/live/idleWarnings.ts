// The "Still there?" warnings of idle sessions. They come from the server's `idle` events
// (the expiry service owns the idle rule: docs/src/content/docs/decisions/0060) and, so that a reloaded page
// still shows them, from the instance itself (`idle.warned`); kept per instance (the latest
// idle period wins), they go away when the learner keeps the session.
import type { Instance, IdleWarning } from "../client/types";

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

/** The warning to show for `instance`: the stream's or the instance's own, the later idle
 * period of the two; none for a period at or before `keptSince` (the learner kept it,
 * and the server may not have heard yet). */
export function idleNoticeOf(
  instance: Instance,
  live: IdleNotices,
  keptSince: string | null,
): IdleNotice | undefined {
  const state = instance.idle;
  const loaded: IdleNotice | undefined = state?.warned
    ? { instance: instance.name, idleSince: state.last_active_at, endsAt: state.ends_at }
    : undefined;
  const streamed = live.get(instance.name);
  let latest = loaded ?? streamed;
  if (loaded !== undefined && streamed !== undefined) {
    latest = Date.parse(streamed.idleSince) > Date.parse(loaded.idleSince) ? streamed : loaded;
  }
  if (latest === undefined) return undefined;
  if (keptSince !== null && Date.parse(latest.idleSince) <= Date.parse(keptSince)) {
    return undefined;
  }
  return latest;
}
