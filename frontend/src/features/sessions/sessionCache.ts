// Puts an instance the api just returned (after extend or end) wherever it is cached, so
// the page shows the new deadline or phase without waiting for a refetch. A cached list
// that does not hold the instance yet (it was read before the launch) is refetched
// instead: writing the old list back would mark it fresh and hide the new session.
import type { QueryClient } from "@tanstack/react-query";
import { queryKeys } from "../../client/queryKeys";
import type { Instance } from "../../client/types";

export function storeInstance(client: QueryClient, instance: Instance): void {
  client.setQueryData<Instance>(queryKeys.instance(instance.name), instance);
  const list = client.getQueryData<Instance[]>(queryKeys.myInstances);
  if (list === undefined) return;
  if (list.some((item) => item.name === instance.name)) {
    client.setQueryData<Instance[]>(
      queryKeys.myInstances,
      list.map((item) => (item.name === instance.name ? instance : item)),
    );
  } else {
    void client.invalidateQueries({ queryKey: queryKeys.myInstances });
  }
}
