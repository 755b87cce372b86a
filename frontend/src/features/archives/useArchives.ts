// The learner's saved work folders and how long the platform keeps things (docs/src/content/docs/decisions/0060).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";
import { queryKeys } from "../../client/queryKeys";

/** Archives of one instance (or all), newest first. A running session's are fetched
 * only once an export was asked for (``waiting``), and polled until it is there. */
export function useArchives(instance?: string, waiting = false) {
  return useQuery({
    enabled: instance === undefined || waiting,
    queryKey: queryKeys.archives(instance),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/archives", {
          params: { query: instance ? { instance } : {} },
          signal,
        }),
      ),
    refetchInterval: waiting ? 1000 : false,
  });
}

export function useRetention() {
  return useQuery({
    queryKey: queryKeys.retention,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/retention", { signal })),
    staleTime: 60 * 60 * 1000,
  });
}

/** "Download my work": asks for an archive of a running workshop's work folder. */
export function useExport(name: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/v1/instances/{name}/export", { params: { path: { name } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.archives(name) }),
  });
}

export function archiveUrl(id: string): string {
  return `/api/v1/archives/${encodeURIComponent(id)}`;
}
