// The audit of admin and instructor actions for the admin console, filtered, one page per
// cursor (docs/src/content/docs/decisions/0062).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";
import { queryKeys } from "../../client/queryKeys";

export const AUDIT_PAGE_SIZE = 50;

/** What the api records, in the order the console offers them. */
export const AUDIT_ACTIONS = [
  "instance.terminate",
  "instance.extend",
  "class.create",
  "class.extend",
  "class.end",
  "class.message",
] as const;

export interface AuditFilters {
  actor: string;
  action: string;
  target: string;
}

export function useAudit(filters: AuditFilters, cursor: string | null) {
  return useQuery({
    queryKey: [...queryKeys.adminAudit(JSON.stringify(filters)), cursor],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/admin/audit", {
          params: {
            query: {
              actor: filters.actor || undefined,
              action: filters.action || undefined,
              target: filters.target || undefined,
              limit: AUDIT_PAGE_SIZE,
              cursor,
            },
          },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}
