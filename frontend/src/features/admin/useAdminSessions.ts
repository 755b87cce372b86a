// Every learner's sessions for the admin console, filtered, one page per cursor.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";
import { queryKeys } from "../../client/queryKeys";
import type { Phase } from "../../client/types";

export const ADMIN_PAGE_SIZE = 50;

export interface SessionFilters {
  user: string;
  template: string;
  phase: Phase | "";
}

export function useAdminSessions(filters: SessionFilters, cursor: string | null) {
  return useQuery({
    queryKey: [...queryKeys.adminInstances, filters, cursor],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/admin/instances", {
          params: {
            query: {
              user: filters.user || undefined,
              template: filters.template || undefined,
              phase: filters.phase || undefined,
              limit: ADMIN_PAGE_SIZE,
              cursor,
            },
          },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
}

export function useAdminTerminate(name: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      unwrap(api.DELETE("/api/v1/admin/instances/{name}", { params: { path: { name } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.adminInstances });
    },
  });
}

export function useAdminTemplates() {
  return useQuery({
    queryKey: queryKeys.adminTemplates,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/admin/templates", { signal })),
    staleTime: 5 * 60_000,
  });
}

/** Running sessions without activity for at least `quietSeconds`, soonest to end first. */
export function useIdleSessions(quietSeconds: number) {
  return useQuery({
    queryKey: [...queryKeys.adminIdle, quietSeconds],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/admin/idle-sessions", {
          params: { query: { quiet_seconds: quietSeconds } },
          signal,
        }),
      ),
    refetchInterval: 30_000,
  });
}

export function useLaunchStats(since: string | null) {
  return useQuery({
    queryKey: [...queryKeys.adminStats, since],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/admin/stats", { params: { query: { since } }, signal })),
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
}
