// Ends a session early. The api answers 202 with the instance (now Terminating); the
// live stream then reports Terminated.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";
import { queryKeys } from "../../client/queryKeys";
import { storeInstance } from "./sessionCache";

export function useEndSession(name: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      unwrap(api.DELETE("/api/v1/instances/{name}", { params: { path: { name } } })),
    onSuccess: (instance) => {
      storeInstance(client, instance);
      void client.invalidateQueries({ queryKey: queryKeys.myInstances });
    },
  });
}
