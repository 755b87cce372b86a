import { describe, expect, it } from "vitest";
import { problem } from "../test/fakeApi";
import {
  ApiError,
  asSentence,
  capacityRetryAfter,
  describeError,
  existingSessionName,
  fromNetworkFailure,
  fromResponse,
  isWorthRetrying,
  problemKind,
} from "./problems";

async function errorOf(response: Response): Promise<ApiError> {
  const body: unknown = JSON.parse(await response.clone().text());
  return fromResponse(response, body);
}

describe("fromResponse", () => {
  it("keeps the status, the problem, its kind and the trace id", async () => {
    const error = await errorOf(problem(404, "not-found", "no instance named 'x'"));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(404);
    expect(error.kind).toBe("not-found");
    expect(error.traceId).toBe("trace-404");
    expect(error.problem?.detail).toBe("no instance named 'x'");
  });

  it("reads Retry-After from the header, else from the retry_after extension", async () => {
    const fromHeader = await errorOf(
      problem(429, "capacity-full", "full", { retry_after: 99 }, { "Retry-After": "30" }),
    );
    expect(fromHeader.retryAfter).toBe(30);
    expect(capacityRetryAfter(fromHeader)).toBe(30);
    const fromExtension = await errorOf(problem(429, "capacity-full", "full", { retry_after: 12 }));
    expect(capacityRetryAfter(fromExtension)).toBe(12);
  });

  it("copes with a body that is not a problem (a proxy's HTML page)", () => {
    const response = new Response("<html>Bad gateway</html>", { status: 502 });
    const error = fromResponse(response, "<html>Bad gateway</html>");
    expect(error.problem).toBeNull();
    expect(error.traceId).toBeNull();
    expect(describeError(error).message).toBe(
      "Something went wrong on the server (HTTP 502). Try again in a moment.",
    );
  });
});

describe("existingSessionName (409 limit-reached)", () => {
  it("takes the name from an instance body", async () => {
    const error = await errorOf(
      problem(409, "limit-reached", "you already have one", {
        existing: { name: "rstudio-0901-x7k2p", phase: "Ready" },
      }),
    );
    expect(existingSessionName(error)).toBe("rstudio-0901-x7k2p");
  });

  it("takes a plain string name", async () => {
    const error = await errorOf(
      problem(409, "limit-reached", "you already have one", { existing: "jupyter-1" }),
    );
    expect(existingSessionName(error)).toBe("jupyter-1");
  });

  it("is null for other conflicts or a missing extension", async () => {
    expect(existingSessionName(await errorOf(problem(409, "limit-reached", "x")))).toBeNull();
    expect(
      existingSessionName(await errorOf(problem(409, "instance-ended", "x", { existing: "a" }))),
    ).toBeNull();
    expect(existingSessionName(new Error("x"))).toBeNull();
  });
});

describe("describeError", () => {
  it("turns the problem's detail into a sentence with the trace id", async () => {
    const error = await errorOf(
      problem(409, "extensions-exhausted", "instance 'x' was extended 2 time(s), the most allowed"),
    );
    expect(describeError(error)).toEqual({
      message: "Instance 'x' was extended 2 time(s), the most allowed.",
      traceId: "trace-409",
      signingIn: false,
    });
  });

  it("says a 401 means signing in again", async () => {
    const described = describeError(await errorOf(problem(401, "unauthenticated", "no")));
    expect(described.signingIn).toBe(true);
  });

  it("explains a network failure without a trace id", () => {
    expect(describeError(fromNetworkFailure())).toEqual({
      message: "Orchestra could not be reached. Check your connection and try again.",
      traceId: null,
      signingIn: false,
    });
  });

  it("never shows a stack or an internal message for other errors", () => {
    const described = describeError(new TypeError("x is undefined at foo.js:12"));
    expect(described.message).not.toContain("foo.js");
    expect(described.message).toBe(
      "Something went wrong in the dashboard. Reload the page and try again.",
    );
  });
});

describe("small helpers", () => {
  it("problemKind takes the slug of a problem type", () => {
    expect(problemKind("https://orchestra.io/problems/capacity-full")).toBe("capacity-full");
    expect(problemKind("about:blank")).toBe("about:blank");
  });

  it("asSentence capitalises and ends with a full stop", () => {
    expect(asSentence("no such thing")).toBe("No such thing.");
    expect(asSentence("Already fine!")).toBe("Already fine!");
  });

  it("isWorthRetrying only for network errors and server errors", async () => {
    expect(isWorthRetrying(fromNetworkFailure())).toBe(true);
    expect(isWorthRetrying(await errorOf(problem(503, "unavailable", "x")))).toBe(true);
    expect(isWorthRetrying(await errorOf(problem(409, "conflict", "x")))).toBe(false);
  });
});
