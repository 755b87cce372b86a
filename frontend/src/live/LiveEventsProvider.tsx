// Opens the page's live stream and shares what it says with the components below.
import type { ReactNode } from "react";
import { LiveContext } from "./liveContext";
import { browserDependencies, type LiveDependencies, type Scope } from "./liveEvents";
import { useLiveEvents } from "./useLiveEvents";

const available: LiveDependencies | null =
  typeof EventSource === "undefined" ? null : browserDependencies;

interface Props {
  scope: Scope;
  enabled: boolean;
  viewer: string | null;
  children: ReactNode;
}

export function LiveEventsProvider({ scope, enabled, viewer, children }: Props) {
  const view = useLiveEvents({ scope, enabled, viewer, dependencies: available });
  return <LiveContext value={view}>{children}</LiveContext>;
}
