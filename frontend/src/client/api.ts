// The one api client: openapi-fetch typed by the generated schema (`npm run generate`),
// same-origin (the login proxy serves the dashboard and forwards /api). Every call goes
// through `unwrap`, so pages get either the body or an ApiError, and any 401 sends the
// browser to sign in.
import createClient, { type Middleware } from "openapi-fetch";
import { ApiError, fromNetworkFailure, fromResponse } from "./problems";
import type { paths } from "./schema";
import { sendToSignIn } from "./signIn";

export const api = createClient<paths>({ baseUrl: "" });

const signInOnUnauthorized: Middleware = {
  onResponse({ response }) {
    if (response.status === 401) sendToSignIn();
    return undefined;
  },
};
api.use(signInOnUnauthorized);

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The body of a successful answer; throws ApiError for a failed or unanswered request. */
export async function unwrap<T>(pending: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await pending;
  } catch (cause) {
    if (cause instanceof ApiError) throw cause;
    throw fromNetworkFailure();
  }
  if (!answer.response.ok) throw fromResponse(answer.response, answer.error);
  return answer.data as T;
}
