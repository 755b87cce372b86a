// Server state of help at a learner's workshop: whether the class's instructors may open
// it, who did, and the learner's "let them in" / "stop" (docs: learners/help.md).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";
import { queryKeys } from "../../client/queryKeys";
import type { Help } from "../../client/types";

export function useHelp(instance: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.help(instance),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/instances/{name}/helpers", { params: { path: { name: instance } }, signal }),
      ),
    enabled,
    refetchInterval: 30_000, // new entries by instructors show within half a minute
  });
}

export function useSetHelp(instance: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (allow: boolean): Promise<Help> => {
      const options = { params: { path: { name: instance } } };
      return unwrap(
        allow
          ? api.POST("/api/v1/instances/{name}/helpers", options)
          : api.DELETE("/api/v1/instances/{name}/helpers", options),
      );
    },
    onSuccess: (help) => {
      client.setQueryData(queryKeys.help(instance), help);
    },
  });
}
