// A stand-in for the api in component tests: the client's fetch goes to whatever handler
// the test installs. openapi-fetch takes fetch and Request when the client is created, so
// the setup installs these before any test module imports the client.

type Handler = (request: Request) => Response | Promise<Response>;

const unanswered: Handler = (request) =>
  problem(599, "no-handler", `the test did not answer ${request.method} ${request.url}`);

let handler: Handler = unanswered;

/** Answer the client's requests with `next` (until the test ends). */
export function answerWith(next: Handler): void {
  handler = next;
}

export function resetFakeApi(): void {
  handler = unanswered;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "X-Trace-Id": "trace-ok", ...headers },
  });
}

export function problem(
  status: number,
  slug: string,
  detail: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return new Response(
    JSON.stringify({
      type: `https://orchestra.io/problems/${slug}`,
      title: slug,
      status,
      detail,
      instance: "/api/v1/test",
      ...extensions,
    }),
    {
      status,
      headers: {
        "Content-Type": "application/problem+json",
        "X-Trace-Id": `trace-${String(status)}`,
        ...headers,
      },
    },
  );
}

/** Request accepting same-origin paths, as a browser's does. */
class SameOriginRequest extends Request {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" ? new URL(input, window.location.href) : input, init);
  }
}

export function installFakeApi(): void {
  globalThis.Request = SameOriginRequest;
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) =>
    Promise.resolve(handler(input instanceof Request ? input : new SameOriginRequest(input, init)));
}
