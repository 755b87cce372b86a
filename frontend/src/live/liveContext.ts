// What the live stream tells the rest of the page: whether it is connected, and the expiry
// and idle warnings received so far. Provided once per page by LiveEventsProvider.
import { createContext, useContext } from "react";
import type { ExpiryWarnings } from "./expiryWarnings";
import type { IdleNotices } from "./idleWarnings";
import type { ClassMessage, WaitingChanged } from "../client/types";
import type { ConnectionState } from "./liveEvents";

export interface LiveView {
  state: ConnectionState;
  warnings: ExpiryWarnings;
  /** "Still there?" warnings of idle sessions, per instance. */
  idle: IdleNotices;
  /** The learner kept `instance`: its idle warning no longer applies. */
  kept: (instance: string) => void;
  /** Messages from the instructors of the learner's classes, newest last. */
  classMessages: ClassMessage[];
  /** The latest news of each waiting-room place, by ticket id (classes and launches). */
  waiting: Map<string, WaitingChanged>;
  /** The learner read (dismissed) the class messages shown. */
  dismissMessages: () => void;
}

export const LiveContext = createContext<LiveView>({
  state: "connecting",
  warnings: new Map(),
  idle: new Map(),
  kept: () => undefined,
  classMessages: [],
  waiting: new Map(),
  dismissMessages: () => undefined,
});

export function useLiveView(): LiveView {
  return useContext(LiveContext);
}
