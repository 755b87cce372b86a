// Server state of one place in the waiting room (a launch that found the platform full):
// the ticket, re-read when the live stream says it moved (and now and then, in case the
// stream is down), and leaving the line.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../client/api";
import { queryKeys } from "../../client/queryKeys";
import type { WaitingTicket } from "../../client/types";

/** How often a waiting page re-reads its ticket without news from the live stream. */
export const TICKET_REFRESH_MS = 15_000;

export function useWaitingTicket(first: WaitingTicket) {
  return useQuery({
    queryKey: queryKeys.ticket(first.ticket),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/waiting-room/{ticket}", {
          params: { path: { ticket: first.ticket } },
          signal,
        }),
      ),
    initialData: first,
    refetchInterval: (query) =>
      query.state.data?.state === "waiting" ? TICKET_REFRESH_MS : false,
  });
}

export function useLeaveTicket(ticket: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      unwrap(api.DELETE("/api/v1/waiting-room/{ticket}", { params: { path: { ticket } } })),
    onSuccess: (left) => {
      client.setQueryData(queryKeys.ticket(ticket), left);
    },
  });
}

/** The learner's places in line, so a page opened later still shows where they stand. */
export function useMyPlaces() {
  return useQuery({
    queryKey: queryKeys.myPlaces,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/waiting-room", { signal })),
  });
}
