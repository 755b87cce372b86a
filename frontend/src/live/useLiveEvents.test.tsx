import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { queryKeys } from "../client/queryKeys";
import type { Instance } from "../client/types";
import { ConnectionStatus } from "../components/ConnectionStatus";
import { anInstance } from "../test/fixtures";
import { LiveContext } from "./liveContext";
import type { EventSourceLike, LiveDependencies } from "./liveEvents";
import { useLiveEvents } from "./useLiveEvents";

class Source implements EventSourceLike {
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  readonly listeners = new Map<string, (event: MessageEvent<string>) => void>();
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, listener);
  }
  close(): void {
    this.closed = true;
  }
  emit(type: string, data: unknown, id: string): void {
    this.listeners.get(type)?.(
      new MessageEvent<string>(type, { data: JSON.stringify(data), lastEventId: id }),
    );
  }
}

function Harness({ dependencies }: { dependencies: LiveDependencies }) {
  const view = useLiveEvents({
    scope: "mine",
    enabled: true,
    viewer: "ada@example.org",
    dependencies,
  });
  return (
    <LiveContext value={view}>
      <ConnectionStatus />
      <p>warnings: {view.warnings.size}</p>
    </LiveContext>
  );
}

describe("useLiveEvents", () => {
  it("shows the connection state and applies events to the cache", () => {
    const sources: Source[] = [];
    const retries: (() => void)[] = [];
    const dependencies: LiveDependencies = {
      open: (url) => {
        const source = new Source(url);
        sources.push(source);
        return source;
      },
      schedule: (run) => {
        retries.push(run);
        return () => undefined;
      },
    };
    const client = new QueryClient();
    const starting = anInstance({ name: "rstudio-1", phase: "Pending", ready_at: null });
    client.setQueryData<Instance[]>(queryKeys.myInstances, [starting]);
    render(
      <QueryClientProvider client={client}>
        <Harness dependencies={dependencies} />
      </QueryClientProvider>,
    );
    const source = (): Source => {
      const latest = sources.at(-1);
      if (latest === undefined) throw new Error("no stream opened");
      return latest;
    };

    expect(screen.getByRole("status")).toHaveTextContent("Connecting…");
    act(() => source().onopen?.(new Event("open")));
    expect(screen.getByRole("status")).toHaveTextContent("Live");

    act(() => {
      source().emit(
        "status",
        {
          instance: "rstudio-1",
          owner: "ada@example.org",
          phase: "Ready",
          reason: null,
          message: null,
          url: "https://rstudio-1.example.org/",
          transitioned_at: "2025-09-01T09:00:41Z",
        },
        "12",
      );
      source().emit(
        "expiring",
        {
          instance: "rstudio-1",
          owner: "ada@example.org",
          expires_at: starting.expires_at,
          lead_seconds: 900,
        },
        "13",
      );
    });
    expect(client.getQueryData<Instance[]>(queryKeys.myInstances)?.[0]?.phase).toBe("Ready");
    expect(screen.getByText("warnings: 1")).toBeInTheDocument();

    act(() => source().onerror?.(new Event("error")));
    expect(screen.getByRole("status")).toHaveTextContent("Reconnecting…");
    act(() => retries.at(-1)?.());
    expect(source().url).toBe("/api/v1/events?last_event_id=13");
    act(() => source().onopen?.(new Event("open")));
    expect(screen.getByRole("status")).toHaveTextContent("Live");
    // Reconnected: the instances are re-read in case something was missed.
    expect(client.getQueryState(queryKeys.myInstances)?.isInvalidated).toBe(true);
  });
});
