// Launching a workshop. Each launch attempt carries an Idempotency-Key: the button is
// disabled while the request is under way, and a retry after a network error reuses the
// key, so neither a double click nor a retry can start two workshops. The key is dropped
// once the api has answered (success or a refusal), so the next click is a new launch.
// A full platform answers with a place in line (a ticket) rather than a refusal.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";
import { api, unwrap } from "../../client/api";
import { ApiError } from "../../client/problems";
import { queryKeys } from "../../client/queryKeys";
import { isWaitingTicket, type Instance, type WaitingTicket } from "../../client/types";
import { newIdempotencyKey } from "./idempotencyKeys";

export interface LaunchRequest {
  template: string;
  duration: string;
}

export function useLaunch() {
  const client = useQueryClient();
  const key = useRef<string | null>(null);
  return useMutation({
    mutationFn: (request: LaunchRequest) => {
      key.current ??= newIdempotencyKey();
      return unwrap(
        api.POST("/api/v1/instances", {
          params: { header: { "idempotency-key": key.current } },
          body: { template: request.template, duration: request.duration, wait_in_line: true },
        }),
      );
    },
    onSuccess: (answer: Instance | WaitingTicket) => {
      key.current = null;
      if (isWaitingTicket(answer)) {
        client.setQueryData(queryKeys.ticket(answer.ticket), answer);
        void client.invalidateQueries({ queryKey: queryKeys.myPlaces });
        return;
      }
      client.setQueryData(queryKeys.instance(answer.name), answer);
      void client.invalidateQueries({ queryKey: queryKeys.myInstances });
    },
    onError: (error) => {
      const answered = error instanceof ApiError && error.status !== null;
      if (answered) key.current = null;
    },
  });
}
