import { describe, expect, it } from "vitest";
import { lastStepReached, launchSteps } from "./launchSteps";

const summary = (steps: ReturnType<typeof launchSteps>) =>
  steps.map(({ step, status, current }) => `${step}:${status}${current ? "*" : ""}`);

describe("launchSteps", () => {
  it("marks earlier steps done and the phase's step current", () => {
    expect(summary(launchSteps({ phase: "Requested", wasReady: false }))).toEqual([
      "Requested:current*",
      "Pending:upcoming",
      "Provisioning:upcoming",
      "Ready:upcoming",
    ]);
    expect(summary(launchSteps({ phase: "Provisioning", wasReady: false }))).toEqual([
      "Requested:done",
      "Pending:done",
      "Provisioning:current*",
      "Ready:upcoming",
    ]);
  });

  it("marks Ready both done and current", () => {
    expect(summary(launchSteps({ phase: "Ready", wasReady: true }))).toEqual([
      "Requested:done",
      "Pending:done",
      "Provisioning:done",
      "Ready:done*",
    ]);
  });

  it("marks the step a failed launch stopped in", () => {
    expect(
      summary(launchSteps({ phase: "Failed", wasReady: false, failedIn: "Provisioning" })),
    ).toEqual(["Requested:done", "Pending:done", "Provisioning:failed*", "Ready:upcoming"]);
    expect(summary(launchSteps({ phase: "Failed", wasReady: false }))[0]).toBe("Requested:failed*");
  });

  it("shows how far an ended session got, with no current step", () => {
    expect(summary(launchSteps({ phase: "Terminated", wasReady: true }))).toEqual([
      "Requested:done",
      "Pending:done",
      "Provisioning:done",
      "Ready:done",
    ]);
    expect(summary(launchSteps({ phase: "Terminating", wasReady: false }))).toEqual([
      "Requested:done",
      "Pending:upcoming",
      "Provisioning:upcoming",
      "Ready:upcoming",
    ]);
  });
});

describe("lastStepReached", () => {
  it("finds the last launch step among the transitions", () => {
    expect(lastStepReached(["Requested", "Pending", "Provisioning", "Failed"])).toBe(
      "Provisioning",
    );
    expect(lastStepReached(["Failed"])).toBeNull();
  });
});
