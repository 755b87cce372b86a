import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { queryKeys } from "../client/queryKeys";
import type { Instance, InstancePage, StatusChanged } from "../client/types";
import { anInstance } from "../test/fixtures";
import { applyStatus, TransitionClock, withStatus } from "./liveCache";

const event = (overrides: Partial<StatusChanged> = {}): StatusChanged => ({
  event_id: "8c0e1d2a-0000-4000-8000-000000000000",
  type: "status.changed",
  version: 1,
  instance: "rstudio-1",
  owner: "ada@example.org",
  phase: "Ready",
  reason: null,
  message: null,
  url: "https://rstudio-1.example.org/",
  transitioned_at: "2025-09-01T09:00:41Z",
  occurred_at: "2025-09-01T09:00:41Z",
  ...overrides,
});

const starting = anInstance({
  name: "rstudio-1",
  phase: "Provisioning",
  url: null,
  ready_at: null,
});

function isStale(client: QueryClient, key: readonly unknown[]): boolean {
  return client.getQueryState(key)?.isInvalidated ?? false;
}

describe("withStatus", () => {
  it("takes the phase, reason, message and url, and records when it became Ready", () => {
    const ready = withStatus(starting, event());
    expect(ready).toMatchObject({
      phase: "Ready",
      url: "https://rstudio-1.example.org/",
      ready_at: "2025-09-01T09:00:41Z",
    });
    const failed = withStatus(
      starting,
      event({ phase: "Failed", reason: "ErrImagePull", url: null }),
    );
    expect(failed).toMatchObject({ phase: "Failed", reason: "ErrImagePull", ready_at: null });
  });
});

describe("applyStatus", () => {
  it("updates the instance in my list and on its own page", () => {
    const client = new QueryClient();
    client.setQueryData<Instance[]>(queryKeys.myInstances, [starting]);
    client.setQueryData<Instance>(queryKeys.instance("rstudio-1"), starting);
    applyStatus(client, event(), "ada@example.org");
    expect(client.getQueryData<Instance[]>(queryKeys.myInstances)?.[0]?.phase).toBe("Ready");
    expect(client.getQueryData<Instance>(queryKeys.instance("rstudio-1"))?.phase).toBe("Ready");
  });

  it("removes a terminated instance from my list", () => {
    const client = new QueryClient();
    client.setQueryData<Instance[]>(queryKeys.myInstances, [starting]);
    applyStatus(client, event({ phase: "Terminated" }), "ada@example.org");
    expect(client.getQueryData<Instance[]>(queryKeys.myInstances)).toEqual([]);
  });

  it("re-reads my list for an instance of mine it does not know (another tab)", () => {
    const client = new QueryClient();
    client.setQueryData<Instance[]>(queryKeys.myInstances, []);
    applyStatus(client, event({ instance: "new-one" }), "ada@example.org");
    expect(isStale(client, queryKeys.myInstances)).toBe(true);
  });

  it("leaves my list alone for someone else's instance", () => {
    const client = new QueryClient();
    client.setQueryData<Instance[]>(queryKeys.myInstances, []);
    applyStatus(client, event({ instance: "theirs", owner: "bob@example.org" }), "ada@example.org");
    expect(isStale(client, queryKeys.myInstances)).toBe(false);
  });

  it("updates the admin pages in place, or re-reads them for an unknown instance", () => {
    const client = new QueryClient();
    const key = [...queryKeys.adminInstances, { user: "", template: "", phase: "" }, null];
    client.setQueryData<InstancePage>(key, { items: [starting], next: null });
    applyStatus(client, event(), null);
    expect(client.getQueryData<InstancePage>(key)?.items[0]?.phase).toBe("Ready");
    expect(isStale(client, key)).toBe(false);

    applyStatus(client, event({ instance: "someone-else" }), null);
    expect(isStale(client, key)).toBe(true);
  });
});

describe("TransitionClock", () => {
  it("drops an event older than one already applied for the same instance", () => {
    const clock = new TransitionClock();
    expect(clock.accept(event({ transitioned_at: "2025-09-01T09:00:41Z" }))).toBe(true);
    expect(clock.accept(event({ phase: "Pending", transitioned_at: "2025-09-01T09:00:10Z" }))).toBe(
      false,
    );
    expect(clock.accept(event({ transitioned_at: "2025-09-01T09:00:41Z" }))).toBe(true);
    expect(
      clock.accept(event({ instance: "other", transitioned_at: "2025-09-01T08:00:00Z" })),
    ).toBe(true);
  });
});
