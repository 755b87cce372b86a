// The learner's ended sessions, newest first, one page at a time (cursor pagination).
import { useInfiniteQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";
import { queryKeys } from "../../client/queryKeys";

export const HISTORY_PAGE_SIZE = 20;

export function useHistory() {
  return useInfiniteQuery({
    queryKey: queryKeys.history,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET("/api/v1/history", {
          params: { query: { limit: HISTORY_PAGE_SIZE, cursor: pageParam } },
          signal,
        }),
      ),
    getNextPageParam: (page) => page.next,
  });
}
