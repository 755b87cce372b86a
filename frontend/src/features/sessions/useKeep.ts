// "Keep my session": tells the platform the learner is still there (docs/src/content/docs/decisions/0060).
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";

export function useKeep(name: string, onKept: () => void) {
  return useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/v1/instances/{name}/keep", { params: { path: { name } } })),
    onSuccess: onKept,
  });
}
