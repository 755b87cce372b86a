// The launch as four steps — Requested, Pending, Provisioning, Ready — and where the
// instance stands among them. A failed launch is marked at the step it stopped in (the
// last of these phases its transitions reached); an ended session shows how far it got.
import type { Phase } from "../../client/types";

export const LAUNCH_STEPS = ["Requested", "Pending", "Provisioning", "Ready"] as const;
export type LaunchStep = (typeof LAUNCH_STEPS)[number];

export type StepStatus = "done" | "current" | "failed" | "upcoming";

export interface StepView {
  step: LaunchStep;
  status: StepStatus;
  /** The step the instance is at now (gets aria-current="step"). */
  current: boolean;
}

export function isLaunchStep(phase: string): phase is LaunchStep {
  return (LAUNCH_STEPS as readonly string[]).includes(phase);
}

/** The last launch step among `phases` (in the order they happened); null if none. */
export function lastStepReached(phases: readonly Phase[]): LaunchStep | null {
  let reached: LaunchStep | null = null;
  for (const phase of phases) if (isLaunchStep(phase)) reached = phase;
  return reached;
}

interface Progress {
  phase: Phase;
  /** Whether the instance ever became Ready. */
  wasReady: boolean;
  /** For a failed instance: the step it was in when it failed, if known. */
  failedIn?: LaunchStep | null;
}

export function launchSteps({ phase, wasReady, failedIn = null }: Progress): StepView[] {
  if (isLaunchStep(phase)) {
    const at = LAUNCH_STEPS.indexOf(phase);
    return LAUNCH_STEPS.map((step, index) => {
      if (index < at) return { step, status: "done", current: false };
      if (index === at) {
        // Ready is the last step: reaching it means it is done, and it is where we are.
        return { step, status: step === "Ready" ? "done" : "current", current: true };
      }
      return { step, status: "upcoming", current: false };
    });
  }
  if (phase === "Failed") {
    const at = LAUNCH_STEPS.indexOf(failedIn ?? "Requested");
    return LAUNCH_STEPS.map((step, index) => {
      if (index < at) return { step, status: "done", current: false };
      if (index === at) return { step, status: "failed", current: true };
      return { step, status: "upcoming", current: false };
    });
  }
  // Terminating or Terminated: the launch is over; show how far it got.
  return LAUNCH_STEPS.map((step, index) => ({
    step,
    status: wasReady || index === 0 ? "done" : "upcoming",
    current: false,
  }));
}

export const STATUS_WORDS: Record<StepStatus, string> = {
  done: "done",
  current: "in progress",
  failed: "failed",
  upcoming: "not yet",
};
