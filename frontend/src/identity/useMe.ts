// Who is signed in (from the login proxy's identity, as the api sees it) and what the
// cluster is. Asked once per page load; every page needs it for the header.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../client/api";
import { queryKeys } from "../client/queryKeys";

export function useMe() {
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/me", { signal })),
    staleTime: 5 * 60_000,
  });
}
