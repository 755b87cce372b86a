// The workshop catalog (templates the learner may launch).
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";
import { queryKeys } from "../../client/queryKeys";

export function useCatalog() {
  return useQuery({
    queryKey: queryKeys.templates,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/templates", { signal })),
    staleTime: 5 * 60_000,
  });
}
