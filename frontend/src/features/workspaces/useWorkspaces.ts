// The learner's persistent workspaces and "Keep my workspace" (docs/src/content/docs/decisions/0062).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";
import { queryKeys } from "../../client/queryKeys";

export function useWorkspaces() {
  return useQuery({
    queryKey: queryKeys.workspaces,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/workspaces", { signal })),
  });
}

export function useKeepWorkspace(template: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/workspaces/{template}/keep", { params: { path: { template } } }),
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.workspaces }),
  });
}
