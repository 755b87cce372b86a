import { afterEach, describe, expect, it, vi } from "vitest";
import { answerWith, json, problem } from "../test/fakeApi";
import { api, unwrap } from "./api";
import { ApiError } from "./problems";
import { navigation, resetSignIn, signInUrl } from "./signIn";

afterEach(() => {
  resetSignIn();
});

describe("unwrap", () => {
  it("returns the body of a successful answer", async () => {
    answerWith(() => json({ email: "ada@example.org" }));
    const me = await unwrap(api.GET("/api/v1/me"));
    expect(me.email).toBe("ada@example.org");
  });

  it("throws an ApiError with the problem and trace id", async () => {
    answerWith(() => problem(403, "forbidden", "admins only"));
    const failure = unwrap(api.GET("/api/v1/admin/stats")).catch((error: unknown) => error);
    const error = await failure;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403, traceId: "trace-403", kind: "forbidden" });
  });

  it("turns a request that got no answer into a network ApiError", async () => {
    answerWith(() => {
      throw new TypeError("Failed to fetch");
    });
    const error = await unwrap(api.GET("/api/v1/me")).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: null });
  });

  it("sends the browser to sign in on a 401, once", async () => {
    const assign = vi.spyOn(navigation, "assign").mockImplementation(() => undefined);
    answerWith(() => problem(401, "unauthenticated", "not signed in"));
    await Promise.allSettled([unwrap(api.GET("/api/v1/me")), unwrap(api.GET("/api/v1/instances"))]);
    expect(assign).toHaveBeenCalledTimes(1);
    expect(assign).toHaveBeenCalledWith(signInUrl(window.location));
  });

  it("sends the Idempotency-Key header of a launch", async () => {
    let seen: string | null = null;
    answerWith((request) => {
      seen = request.headers.get("Idempotency-Key");
      return json({}, 202);
    });
    await unwrap(
      api.POST("/api/v1/instances", {
        params: { header: { "idempotency-key": "key-1" } },
        body: { template: "rstudio", duration: "2h" },
      }),
    );
    expect(seen).toBe("key-1");
  });
});

describe("signInUrl", () => {
  it("returns to the current path and query after signing in", () => {
    expect(signInUrl({ pathname: "/sessions/a b", search: "?x=1&y=2" })).toBe(
      "/oauth2/start?rd=%2Fsessions%2Fa%20b%3Fx%3D1%26y%3D2",
    );
  });
});
