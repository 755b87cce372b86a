// Server state of classes: the ones I teach, one class's live roster, my place in a line,
// and the instructor's and learner's actions on them.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";
import { queryKeys } from "../../client/queryKeys";
import type { ClassCreate } from "./classDrafts";

/** How often the instructor's roster is re-read without being told: the class's live stream
 * (useClassLive) says when something changed, so this is only a slow safety net. */
export const ROSTER_REFRESH_MS = 60_000;

export function useTaughtClasses() {
  return useQuery({
    queryKey: queryKeys.classesTaught,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/classes", { signal })),
  });
}

export function useClassRoster(id: string) {
  return useQuery({
    queryKey: queryKeys.classRoster(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/classes/{class_id}", { params: { path: { class_id: id } }, signal })),
    refetchInterval: ROSTER_REFRESH_MS,
  });
}

export function useMyPlace(id: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.myPlace(id),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/classes/{class_id}/queue/me", {
          params: { path: { class_id: id } },
          signal,
        }),
      ),
    enabled,
    retry: false,
  });
}

export function useJoinClass() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (code: string) => unwrap(api.POST("/api/v1/classes/join", { body: { code } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.instances });
    },
  });
}

export function useLeaveLine(id: string) {
  return useMutation({
    mutationFn: () =>
      unwrap(
        api.DELETE("/api/v1/classes/{class_id}/queue/me", { params: { path: { class_id: id } } }),
      ),
  });
}

function useRosterAction<T>(id: string, run: () => Promise<T>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.classRoster(id) });
    },
  });
}

export function useExtendClass(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (by: string) =>
      unwrap(
        api.POST("/api/v1/classes/{class_id}/extend", {
          params: { path: { class_id: id } },
          body: { by },
        }),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.classRoster(id) });
    },
  });
}

export function useEndClass(id: string) {
  return useRosterAction(id, () =>
    unwrap(api.POST("/api/v1/classes/{class_id}/end", { params: { path: { class_id: id } } })),
  );
}

export function useMessageClass(id: string) {
  return useMutation({
    mutationFn: (body: string) =>
      unwrap(
        api.POST("/api/v1/classes/{class_id}/messages", {
          params: { path: { class_id: id } },
          body: { body },
        }),
      ),
  });
}

export function useCreateClass() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ClassCreate) => unwrap(api.POST("/api/v1/classes", { body })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.classesTaught });
    },
  });
}
