// One session, re-read on every visit and every 15 seconds as a safety net under the
// live stream (which applies phase changes to the same cache entry as they happen).
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";
import { queryKeys } from "../../client/queryKeys";

export function useSession(name: string) {
  return useQuery({
    queryKey: queryKeys.instance(name),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/instances/{name}", { params: { path: { name } }, signal })),
    refetchOnMount: "always",
    refetchInterval: 15_000,
  });
}

/** The session's phase transitions (to tell at which step a failed launch stopped). */
export function useSessionTransitions(name: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.instanceHistory(name),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/instances/{name}/history", { params: { path: { name } }, signal })),
    enabled,
  });
}
