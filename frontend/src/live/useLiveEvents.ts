// The page's one live stream: opens it (scope "mine", or "all" on admin pages), keeps the
// TanStack Query cache in step with its events, and reports the connection state and the
// expiry warnings. The connection rules themselves live in liveEvents.ts.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { queryKeys } from "../client/queryKeys";
import type { ClassMessage, WaitingChanged } from "../client/types";
import { recordWarning, type ExpiryWarnings } from "./expiryWarnings";
import { forgetIdle, recordIdle, type IdleNotices } from "./idleWarnings";
import { applyStatus, refreshInstances, resyncEverything, TransitionClock } from "./liveCache";
import type { LiveView } from "./liveContext";
import { LiveConnection, type LiveDependencies, type Scope } from "./liveEvents";

/** How many class messages stay on screen at most. */
const MESSAGES_KEPT = 5;

export interface LiveOptions {
  scope: Scope;
  /** False until it is known who is signed in (and, for scope "all", that they are an admin). */
  enabled: boolean;
  /** The signed-in learner's email: new instances of theirs make their list refetch. */
  viewer: string | null;
  dependencies: LiveDependencies | null;
}

export function useLiveEvents({ scope, enabled, viewer, dependencies }: LiveOptions): LiveView {
  const client = useQueryClient();
  const [state, setState] = useState<LiveView["state"]>("connecting");
  const [warnings, setWarnings] = useState<ExpiryWarnings>(() => new Map());
  const [idle, setIdle] = useState<IdleNotices>(() => new Map());
  const [classMessages, setClassMessages] = useState<ClassMessage[]>([]);
  const [waiting, setWaiting] = useState<Map<string, WaitingChanged>>(() => new Map());
  const dismissMessages = useCallback(() => {
    setClassMessages([]);
  }, []);
  const kept = useCallback((instance: string) => {
    setIdle((current) => forgetIdle(current, instance));
  }, []);
  const viewerRef = useRef(viewer);
  useEffect(() => {
    viewerRef.current = viewer;
  }, [viewer]);

  useEffect(() => {
    if (!enabled || dependencies === null) return undefined;
    const clock = new TransitionClock();
    const connection = new LiveConnection(
      scope,
      {
        onMessage(message) {
          if (message.kind === "status") {
            if (clock.accept(message.event)) applyStatus(client, message.event, viewerRef.current);
          } else if (message.kind === "expiring") {
            const event = message.event;
            setWarnings((current) => recordWarning(current, event));
          } else if (message.kind === "idle") {
            const event = message.event;
            setIdle((current) => recordIdle(current, event));
          } else if (message.kind === "class-message") {
            const event = message.event;
            setClassMessages((current) => [...current.slice(-(MESSAGES_KEPT - 1)), event]);
          } else if (message.kind === "waiting") {
            const event = message.event;
            setWaiting((current) => new Map(current).set(String(event.ticket), event));
            if (event.class_id) {
              void client.invalidateQueries({ queryKey: queryKeys.myPlace(event.class_id) });
            }
            void client.invalidateQueries({ queryKey: queryKeys.ticket(event.ticket) });
            if (event.state === "admitted") refreshInstances(client);
          } else if (message.kind === "workspace") {
            void client.invalidateQueries({ queryKey: queryKeys.workspaces });
          } else if (message.kind === "resync") {
            clock.forget();
            resyncEverything(client);
          }
          // A hello only tells where the stream starts; the connection keeps its id.
        },
        onState(next) {
          setState(next);
          // A stream refused for an ended sign-in looks like any network error to
          // EventSource; asking who is signed in turns that into the usual 401 → sign in.
          if (next === "reconnecting") {
            void client.invalidateQueries({ queryKey: queryKeys.me }, { cancelRefetch: false });
          }
        },
        onReconnected() {
          refreshInstances(client);
        },
      },
      dependencies,
    );
    connection.start();
    // A page left for another keeps its stream open otherwise (browsers hold at most six
    // connections per host over HTTP/1.1, so a few of those stall the next page), and a
    // page restored from the back/forward cache reconnects, replaying what it missed.
    const leave = () => {
      connection.stop();
    };
    const back = (event: PageTransitionEvent) => {
      if (event.persisted) connection.start();
    };
    window.addEventListener("pagehide", leave);
    window.addEventListener("pageshow", back);
    return () => {
      window.removeEventListener("pagehide", leave);
      window.removeEventListener("pageshow", back);
      connection.stop();
    };
  }, [scope, enabled, client, dependencies]);

  return useMemo(
    () => ({ state, warnings, idle, kept, classMessages, waiting, dismissMessages }),
    [state, warnings, idle, kept, classMessages, waiting, dismissMessages],
  );
}
