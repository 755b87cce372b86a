import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { queryKeys } from "../../client/queryKeys";
import type { Instance } from "../../client/types";
import { anInstance } from "../../test/fixtures";
import { storeInstance } from "./sessionCache";

describe("storeInstance", () => {
  it("updates an instance the cached list holds", () => {
    const client = new QueryClient();
    client.setQueryData<Instance[]>(queryKeys.myInstances, [
      anInstance({ name: "a", extensions: 0 }),
    ]);
    storeInstance(client, anInstance({ name: "a", extensions: 1 }));
    expect(client.getQueryData<Instance[]>(queryKeys.myInstances)?.[0]?.extensions).toBe(1);
    expect(client.getQueryState(queryKeys.myInstances)?.isInvalidated).toBe(false);
  });

  it("does not freshen a list read before the launch: it is refetched instead", () => {
    const client = new QueryClient();
    client.setQueryData<Instance[]>(queryKeys.myInstances, []);
    void client.invalidateQueries({ queryKey: queryKeys.myInstances }); // after the launch
    storeInstance(client, anInstance({ name: "new-one" }));
    expect(client.getQueryState(queryKeys.myInstances)?.isInvalidated).toBe(true);
    expect(client.getQueryData(queryKeys.instance("new-one"))).toMatchObject({ name: "new-one" });
  });
});
