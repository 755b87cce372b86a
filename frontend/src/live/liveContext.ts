// What the live stream tells the rest of the page: whether it is connected, and the expiry
// warnings received so far. Provided once per page by LiveEventsProvider.
import { createContext, useContext } from "react";
import type { ExpiryWarnings } from "./expiryWarnings";
import type { ConnectionState } from "./liveEvents";

export interface LiveView {
  state: ConnectionState;
  warnings: ExpiryWarnings;
}

export const LiveContext = createContext<LiveView>({ state: "connecting", warnings: new Map() });

export function useLiveView(): LiveView {
  return useContext(LiveContext);
}
