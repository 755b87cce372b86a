import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { recordWarning } from "../../live/expiryWarnings";
import { recordIdle } from "../../live/idleWarnings";
import { answerWith, json, problem } from "../../test/fakeApi";
import { anInstance } from "../../test/fixtures";
import { renderPage } from "../../test/renderPage";
import { SessionCard } from "./SessionCard";

const NOW = Date.parse("2025-09-01T09:36:15Z");

describe("SessionCard", () => {
  it("shows the phase, the way in, and the countdown", () => {
    renderPage(<SessionCard instance={anInstance()} now={NOW} />);
    const card = screen.getByRole("article", { name: "RStudio" });
    expect(within(card).getByText("Ready")).toBeInTheDocument();
    const open = within(card).getByRole("link", { name: /Open workshop/ });
    expect(open).toHaveAttribute("rel", "noopener");
    // Through the api's open flow (a ticket for the gate), never straight to the host.
    expect(open).toHaveAttribute("href", `/api/v1/instances/${anInstance().name}/open`);
    expect(within(card).getByText("Ends in 1:23:45")).toBeInTheDocument();
  });

  it("shows the server's expiry warning as an alert", () => {
    const instance = anInstance();
    const warnings = recordWarning(new Map(), {
      event_id: "x",
      type: "expiry.expiring",
      version: 1,
      occurred_at: "2025-09-01T10:55:00Z",
      instance: instance.name,
      owner: instance.owner,
      expires_at: instance.expires_at,
      lead_seconds: 300,
    });
    renderPage(<SessionCard instance={instance} now={NOW} />, { live: { warnings } });
    expect(screen.getByRole("alert")).toHaveTextContent(
      "Your session ends in 5 minutes — save your work",
    );
  });

  it("asks whether the learner is still there and keeps the session with one click", async () => {
    const instance = anInstance();
    const idle = recordIdle(new Map(), {
      event_id: "x",
      type: "idle.warning",
      version: 1,
      occurred_at: "2025-09-01T09:55:00Z",
      instance: instance.name,
      owner: instance.owner,
      idle_since: "2025-09-01T09:30:00Z",
      ends_at: "2025-09-01T10:00:00Z",
    });
    const calls: string[] = [];
    const kept: string[] = [];
    answerWith((request) => {
      calls.push(`${request.method} ${new URL(request.url).pathname}`);
      return json({ instance: instance.name, kept_at: "2025-09-01T09:56:00Z" }, 202);
    });
    const user = userEvent.setup();
    renderPage(<SessionCard instance={instance} now={NOW} />, {
      live: { idle, kept: (name) => kept.push(name) },
    });
    expect(screen.getByRole("alert")).toHaveTextContent("Still there?");
    await user.click(screen.getByRole("button", { name: "Keep my session" }));
    await waitFor(() => {
      expect(kept).toEqual([instance.name]);
    });
    expect(calls).toEqual([`POST /api/v1/instances/${instance.name}/keep`]);
  });

  it("disables Extend and says why when no extension is left", () => {
    renderPage(<SessionCard instance={anInstance({ extensions_left: 0 })} now={NOW} />);
    const extend = screen.getByRole("button", { name: "Extend" });
    expect(extend).toBeDisabled();
    expect(extend).toHaveAccessibleDescription(/No extensions left/);
    expect(screen.queryByLabelText("Extend by")).toBeNull();
  });

  it("shows a refused extension in words", async () => {
    answerWith(() =>
      problem(409, "max-duration-exceeded", "the new deadline would pass the template's 8h"),
    );
    const user = userEvent.setup();
    renderPage(<SessionCard instance={anInstance()} now={NOW} />);
    await user.selectOptions(screen.getByLabelText("Extend by"), "1h");
    await user.click(screen.getByRole("button", { name: "Extend" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("That would run past this workshop's maximum duration.");
    expect(alert).toHaveTextContent("The new deadline would pass the template's 8h.");
    expect(alert).toHaveTextContent("trace-409");
  });

  it("ends the session only after confirmation", async () => {
    const calls: string[] = [];
    answerWith((request) => {
      calls.push(`${request.method} ${new URL(request.url).pathname}`);
      return json(anInstance({ phase: "Terminating" }), 202);
    });
    const user = userEvent.setup();
    renderPage(<SessionCard instance={anInstance()} now={NOW} />);
    await user.click(screen.getByRole("button", { name: "End session" }));
    const dialog = screen.getByRole("alertdialog", { name: "End this session?" });
    expect(dialog).toHaveTextContent("Unsaved work in the workshop will be lost.");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(calls).toEqual([]);

    await user.click(screen.getByRole("button", { name: "End session" }));
    await user.click(
      within(screen.getByRole("alertdialog")).getByRole("button", { name: "End session" }),
    );
    await waitFor(() => {
      expect(calls).toEqual(["DELETE /api/v1/instances/rstudio-0901-x7k2p"]);
    });
  });
});
