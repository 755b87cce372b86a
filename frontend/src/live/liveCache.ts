// What a live event changes in the TanStack Query cache. A status event updates the
// instance wherever it is cached (my list, the one-session page, the admin pages); an
// instance the cache does not know yet (launched in another tab, or by another learner on
// the admin page) makes the list refetch instead. Events older than one already applied
// (a replay after a reconnect may repeat them) are ignored.
import type { InfiniteData, QueryClient } from "@tanstack/react-query";
import { queryKeys } from "../client/queryKeys";
import type { Instance, InstancePage, StatusChanged } from "../client/types";

/** The instance as it is after `event`. */
export function withStatus(instance: Instance, event: StatusChanged): Instance {
  return {
    ...instance,
    phase: event.phase,
    reason: event.reason,
    message: event.message,
    url: event.url ?? instance.url,
    ready_at:
      event.phase === "Ready" && instance.ready_at === null
        ? event.transitioned_at
        : instance.ready_at,
    terminated_at:
      event.phase === "Terminated" && instance.terminated_at === null
        ? event.transitioned_at
        : instance.terminated_at,
  };
}

/** Remembers, per instance, the newest transition applied, to drop stale repeats. */
export class TransitionClock {
  private readonly latest = new Map<string, number>();

  /** True if `event` is newer than (or as new as) every event applied for its instance. */
  accept(event: StatusChanged): boolean {
    const at = Date.parse(event.transitioned_at);
    const seen = this.latest.get(event.instance);
    if (seen !== undefined && at < seen) return false;
    this.latest.set(event.instance, at);
    return true;
  }

  forget(): void {
    this.latest.clear();
  }
}

function updateMine(list: Instance[], event: StatusChanged): Instance[] {
  if (event.phase === "Terminated") return list.filter((item) => item.name !== event.instance);
  return list.map((item) => (item.name === event.instance ? withStatus(item, event) : item));
}

/** Apply one status event to every cached place the instance appears in. */
export function applyStatus(
  client: QueryClient,
  event: StatusChanged,
  viewer: string | null,
): void {
  const mine = client.getQueryData<Instance[]>(queryKeys.myInstances);
  if (mine !== undefined) {
    const known = mine.some((item) => item.name === event.instance);
    if (known) {
      client.setQueryData<Instance[]>(queryKeys.myInstances, updateMine(mine, event));
    } else if (event.owner === viewer && event.phase !== "Terminated") {
      void client.invalidateQueries({ queryKey: queryKeys.myInstances }, { cancelRefetch: false });
    }
  }

  const one = client.getQueryData<Instance>(queryKeys.instance(event.instance));
  if (one !== undefined) {
    client.setQueryData<Instance>(queryKeys.instance(event.instance), withStatus(one, event));
  }
  void client.invalidateQueries(
    { queryKey: queryKeys.instanceHistory(event.instance) },
    { cancelRefetch: false },
  );

  const adminPages = client.getQueriesData<InstancePage>({ queryKey: queryKeys.adminInstances });
  const inAdmin = adminPages.some(([, page]) =>
    page?.items.some((item) => item.name === event.instance),
  );
  if (inAdmin) {
    client.setQueriesData<InstancePage>({ queryKey: queryKeys.adminInstances }, (page) =>
      page === undefined
        ? page
        : {
            ...page,
            items: page.items.map((item) =>
              item.name === event.instance ? withStatus(item, event) : item,
            ),
          },
    );
  } else if (adminPages.length > 0) {
    void client.invalidateQueries({ queryKey: queryKeys.adminInstances }, { cancelRefetch: false });
  }

  if (event.phase === "Terminated" || event.phase === "Failed" || event.phase === "Ready") {
    void client.invalidateQueries({ queryKey: queryKeys.adminStats }, { cancelRefetch: false });
  }
  if (event.phase === "Terminated") {
    const history = client.getQueryData<InfiniteData<InstancePage>>(queryKeys.history);
    if (history !== undefined) {
      void client.invalidateQueries({ queryKey: queryKeys.history }, { cancelRefetch: false });
    }
  }
}

/** After a reconnect: re-read what may have changed while the stream was down. */
export function refreshInstances(client: QueryClient): void {
  void client.invalidateQueries({ queryKey: queryKeys.instances });
  void client.invalidateQueries({ queryKey: queryKeys.adminInstances });
}

/** On `resync`: the api could not replay what was missed, so everything is re-read. */
export function resyncEverything(client: QueryClient): void {
  void client.invalidateQueries();
}
