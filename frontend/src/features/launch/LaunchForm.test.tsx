import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { answerWith, json, problem } from "../../test/fakeApi";
import { aTemplate, anInstance } from "../../test/fixtures";
import { renderPage } from "../../test/renderPage";
import { LaunchForm } from "./LaunchForm";

afterEach(() => {
  vi.useRealTimers();
});

type Handler = (request: Request) => Response | Promise<Response>;

/** The form also asks for the learner's places in line: none, unless a test says so. */
function withNoPlaces(handler: Handler, places: unknown[] = []): Handler {
  return (request) =>
    request.method === "GET" && new URL(request.url).pathname === "/api/v1/waiting-room"
      ? json(places)
      : handler(request);
}

function aTicket(fields: Record<string, unknown> = {}) {
  return {
    ticket: 7,
    state: "waiting",
    template: "rstudio",
    class_id: null,
    position: 2,
    estimate_seconds: 300,
    blocked_on: "capacity",
    enqueued_at: "2026-09-01T09:00:00Z",
    settled_at: null,
    instance: null,
    reason: null,
    url: "/api/v1/waiting-room/7",
    ...fields,
  };
}

describe("LaunchForm", () => {
  it("launches with the chosen duration and an Idempotency-Key, then goes to the session", async () => {
    const bodies: unknown[] = [];
    const keys: (string | null)[] = [];
    answerWith(withNoPlaces(async (request) => {
      bodies.push(await request.json());
      keys.push(request.headers.get("Idempotency-Key"));
      return json(anInstance({ name: "rstudio-new", phase: "Requested" }), 202);
    }));
    const user = userEvent.setup();
    const { router } = renderPage(<LaunchForm template={aTemplate()} />);
    await user.selectOptions(screen.getByLabelText("Duration"), "2h");
    await user.click(screen.getByRole("button", { name: "Launch" }));
    await waitFor(() => {
      expect(router.state.location.pathname).toBe("/sessions/rstudio-new");
    });
    expect(bodies).toEqual([{ template: "rstudio", duration: "2h", wait_in_line: true }]);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("checks a typed duration before sending anything", async () => {
    const sent = vi.fn(() => json({}, 202));
    answerWith(withNoPlaces(sent));
    const user = userEvent.setup();
    renderPage(<LaunchForm template={aTemplate()} />);
    await user.selectOptions(screen.getByLabelText("Duration"), "custom");
    await user.type(screen.getByLabelText("Custom duration"), "9h");
    await user.click(screen.getByRole("button", { name: "Launch" }));
    expect(screen.getByLabelText("Custom duration")).toHaveAccessibleDescription(/at most 8 hours/);
    expect(sent).not.toHaveBeenCalled();
  });

  it("shows a 422 from the api next to the duration, with the trace id", async () => {
    answerWith(withNoPlaces(() => problem(422, "invalid-request", "duration: longer than allowed")));
    const user = userEvent.setup();
    renderPage(<LaunchForm template={aTemplate()} />);
    await user.click(screen.getByRole("button", { name: "Launch" }));
    const field = screen.getByLabelText("Duration");
    await waitFor(() => {
      expect(field).toHaveAccessibleDescription(/Duration: longer than allowed\./);
    });
    expect(screen.getByText("trace-422")).toBeInTheDocument();
  });

  it("offers the running session when the learner's limit is reached (409)", async () => {
    answerWith(withNoPlaces(() =>
      problem(409, "limit-reached", "you already have an active instance", {
        existing: { name: "rstudio-old" },
      }),
    ));
    const user = userEvent.setup();
    renderPage(<LaunchForm template={aTemplate()} />);
    await user.click(screen.getByRole("button", { name: "Launch" }));
    const link = await screen.findByRole("link", { name: "Go to your running session" });
    expect(link).toHaveAttribute("href", "/sessions/rstudio-old");
  });

  it("counts down a full platform (429) and enables Try again at zero", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let calls = 0;
    answerWith(withNoPlaces(() => {
      calls += 1;
      return calls === 1
        ? problem(
            429,
            "capacity-full",
            "the platform is full",
            { retry_after: 3 },
            { "Retry-After": "3" },
          )
        : json(anInstance({ name: "rstudio-later", phase: "Requested" }), 202);
    }));
    const user = userEvent.setup({ advanceTimers: (ms) => vi.advanceTimersByTime(ms) });
    const { router } = renderPage(<LaunchForm template={aTemplate()} />);
    await user.click(screen.getByRole("button", { name: "Launch" }));
    expect(
      await screen.findByText("The platform is full right now; try again in 3 seconds."),
    ).toBeInTheDocument();
    const retry = screen.getByRole("button", { name: "Try again" });
    expect(retry).toBeDisabled();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(3100);
    });
    expect(retry).toBeEnabled();
    await user.click(retry);
    await waitFor(() => {
      expect(router.state.location.pathname).toBe("/sessions/rstudio-later");
    });
  });

  it("explains other failures with the trace id", async () => {
    answerWith(withNoPlaces(() => problem(503, "unavailable", "the database is unavailable")));
    const user = userEvent.setup();
    renderPage(<LaunchForm template={aTemplate()} />);
    await user.click(screen.getByRole("button", { name: "Launch" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The database is unavailable.");
    expect(alert).toHaveTextContent("Quote this id if you ask for help: trace-503");
  });

  it("waits in line when the platform is full, and leaves the line on request", async () => {
    const calls: string[] = [];
    answerWith(
      withNoPlaces((request) => {
        calls.push(`${request.method} ${new URL(request.url).pathname}`);
        if (request.method === "DELETE") return json(aTicket({ state: "left", position: null }));
        if (request.method === "GET") return json(aTicket());
        return json(aTicket(), 202, { Location: "/api/v1/waiting-room/7" });
      }),
    );
    const user = userEvent.setup();
    const { router } = renderPage(<LaunchForm template={aTemplate()} />);
    await user.click(screen.getByRole("button", { name: "Launch" }));
    expect(await screen.findByText("You are number 2 in line, about 5 minutes.")).toBeVisible();
    expect(router.state.location.pathname).not.toMatch(/sessions/);
    await user.click(screen.getByRole("button", { name: "Leave the line" }));
    expect(await screen.findByText("You left the line.")).toBeVisible();
    expect(calls).toContain("DELETE /api/v1/waiting-room/7");
  });

  it("shows a place already held, says when the estimate is unknown, and goes to the session once admitted", async () => {
    let admitted = false;
    answerWith(
      withNoPlaces(
        () =>
          json(
            admitted
              ? aTicket({ state: "admitted", position: null, instance: "rstudio-mine" })
              : aTicket({ position: 1, estimate_seconds: null }),
          ),
        [aTicket({ position: 1, estimate_seconds: null })],
      ),
    );
    const { router, client } = renderPage(<LaunchForm template={aTemplate()} />);
    expect(await screen.findByText(/number 1 in line; how long it takes is unknown/)).toBeVisible();
    admitted = true;
    await act(async () => {
      await client.invalidateQueries({ queryKey: ["waiting-room", 7] });
    });
    await waitFor(() => {
      expect(router.state.location.pathname).toBe("/sessions/rstudio-mine");
    });
  });
});
