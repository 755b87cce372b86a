import { describe, expect, it } from "vitest";
import { explainFailure } from "./failures";

describe("explainFailure", () => {
  it.each(["ErrImagePull", "ImagePullBackOff", "InvalidImageName"])(
    "says the image could not be downloaded for %s",
    (reason) => {
      const explained = explainFailure(reason, "rpc error: not found");
      expect(explained.summary).toBe("The workshop image could not be downloaded.");
      expect(explained.nextStep).toContain("Tell your instructor");
      expect(explained.nextStep).toContain("template may be broken");
      expect(explained.known).toBe(true);
    },
  );

  it("says capacity is short for Unschedulable, and for 'Insufficient cpu' messages", () => {
    expect(explainFailure("Unschedulable", "0/3 nodes are available").summary).toBe(
      "There is not enough capacity in the cluster right now.",
    );
    expect(explainFailure("Unschedulable", null).nextStep).toBe("Try again in a few minutes.");
    expect(
      explainFailure("SomethingNew", "0/3 nodes are available: 3 Insufficient memory.").summary,
    ).toBe("There is not enough capacity in the cluster right now.");
  });

  it("says the workshop crashed for CrashLoopBackOff", () => {
    expect(explainFailure("CrashLoopBackOff", "back-off 5m0s").summary).toBe(
      "The workshop crashed while starting.",
    );
  });

  it.each(["StartupTimeout", "ProgressDeadlineExceeded"])("says %s took too long", (reason) => {
    expect(explainFailure(reason, null).summary).toBe("The workshop took too long to start.");
  });

  it("explains configuration and replica failures", () => {
    expect(explainFailure("CreateContainerConfigError", "secret not found").summary).toContain(
      "configuration is broken",
    );
    expect(explainFailure("ReplicaFailure", "exceeded quota").summary).toContain("refused");
  });

  it("falls back to the raw reason and message for unknown codes", () => {
    const explained = explainFailure("NodeOnFire", "the node caught fire");
    expect(explained.known).toBe(false);
    expect(explained.summary).toBe("The workshop could not start (NodeOnFire).");
    expect(explained.nextStep).toContain('"the node caught fire"');
  });

  it("copes with no reason at all", () => {
    const explained = explainFailure(null, null);
    expect(explained.known).toBe(false);
    expect(explained.summary).toBe("The workshop could not start.");
  });
});
