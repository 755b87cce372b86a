// The learner's sessions that have not ended. The live stream keeps this fresh; a slow
// poll is the safety net for a stream that is silently stuck.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";
import { queryKeys } from "../../client/queryKeys";

export function useMySessions() {
  return useQuery({
    queryKey: queryKeys.myInstances,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/instances", { signal })),
    refetchInterval: 30_000,
  });
}
