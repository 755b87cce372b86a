// The cache's defaults. A refused request (4xx) is not retried: the answer will not change
// and the page should say why at once. A network error or a 5xx is retried twice.
import { QueryClient } from "@tanstack/react-query";
import { isWorthRetrying } from "./client/problems";

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        retry: (failures, error) => failures < 2 && isWorthRetrying(error),
      },
      mutations: { retry: false },
    },
  });
}
