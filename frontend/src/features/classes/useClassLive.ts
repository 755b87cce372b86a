// The instructor's live class: the api's class stream (GET /api/v1/classes/{id}/events)
// says when something changed for a learner (a join, a phase, a failure, the line, consent,
// activity), and the roster is read again, at most once a second however many events come.
// Nothing is replayed after a reconnect: the roster is simply read again then.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { queryKeys } from "../../client/queryKeys";

export type ClassLiveState = "connecting" | "live" | "reconnecting";

/** At most one roster read per this many milliseconds while events pour in. */
export const ROSTER_COALESCE_MS = 1000;

export function classEventsUrl(id: string): string {
  return `/api/v1/classes/${encodeURIComponent(id)}/events`;
}

/** Calls `run` at most once per `ms`; calls during the wait are folded into one at its end. */
export function coalesce(run: () => void, ms: number): { poke(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = 0;
  return {
    poke() {
      if (timer !== null) return;
      const wait = Math.max(0, last + ms - Date.now());
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        run();
      }, wait);
    },
    cancel() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

export function useClassLive(id: string): ClassLiveState {
  const client = useQueryClient();
  const [state, setState] = useState<ClassLiveState>("connecting");
  useEffect(() => {
    if (id === "" || typeof EventSource === "undefined") return undefined;
    const refresh = coalesce(() => {
      void client.invalidateQueries({ queryKey: queryKeys.classRoster(id) });
    }, ROSTER_COALESCE_MS);
    const source = new EventSource(classEventsUrl(id));
    let opened = false;
    source.onopen = () => {
      setState("live");
      if (opened) refresh.poke(); // back after a drop: what changed meanwhile is re-read
      opened = true;
    };
    source.onerror = () => {
      setState("reconnecting");
    };
    source.addEventListener("roster", () => {
      refresh.poke();
    });
    return () => {
      refresh.cancel();
      source.close();
    };
  }, [id, client]);
  return state;
}
