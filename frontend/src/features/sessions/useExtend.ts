// Asks for a later deadline. A refusal (409: no extensions left, beyond the maximum, ended)
// comes back as an ApiError whose detail the control shows in words.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";
import { storeInstance } from "./sessionCache";

export function useExtend(name: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (by: string) =>
      unwrap(
        api.POST("/api/v1/instances/{name}/extend", {
          params: { path: { name } },
          body: { by },
        }),
      ),
    onSuccess: (instance) => {
      storeInstance(client, instance);
    },
  });
}
