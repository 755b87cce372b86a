// Renders a component as the app would: a fresh query cache (no retries), a memory router
// at `path`, and the live view a test wants (connection state, expiry warnings).
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { createMemoryRouter, RouterProvider } from "react-router";
import type { ExpiryWarnings } from "../live/expiryWarnings";
import { LiveContext, type LiveView } from "../live/liveContext";

interface Options {
  path?: string;
  pattern?: string;
  live?: Partial<LiveView>;
  warnings?: ExpiryWarnings;
}

export function renderPage(ui: ReactNode, { path = "/", pattern = "*", live = {} }: Options = {}) {
  const client = new QueryClient({
    defaultOptions: {
      queries: { retry: false, refetchInterval: false },
      mutations: { retry: false },
    },
  });
  const view: LiveView = {
    state: "live",
    warnings: new Map(),
    idle: new Map(),
    kept: () => undefined,
    classMessages: [],
    waiting: new Map(),
    dismissMessages: () => undefined,
    ...live,
  };
  const router = createMemoryRouter(
    [
      { path: pattern, element: <LiveContext value={view}>{ui}</LiveContext> },
      { path: "/sessions/:name", element: <p>Session page</p> },
    ],
    { initialEntries: [path] },
  );
  return {
    client,
    router,
    ...render(
      <QueryClientProvider client={client}>
        <RouterProvider router={router} />
      </QueryClientProvider>,
    ),
  };
}
