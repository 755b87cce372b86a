// Why a workshop failed to start, in plain words, and what the learner can do about it.
// The cluster reports Kubernetes-style reason codes (ErrImagePull, Unschedulable …) that
// mean nothing to most learners; unknown codes fall back to the raw reason and message.

export interface FailureExplanation {
  /** What happened, in plain words. */
  summary: string;
  /** What to do next. */
  nextStep: string;
  /** False when the reason is not one we know; the raw reason then matters most. */
  known: boolean;
}

const TELL_INSTRUCTOR = "Tell your instructor: the template may be broken.";
const TRY_LATER = "Try again in a few minutes.";

const IMAGE: FailureExplanation = {
  summary: "The workshop image could not be downloaded.",
  nextStep: TELL_INSTRUCTOR,
  known: true,
};
const CAPACITY: FailureExplanation = {
  summary: "There is not enough capacity in the cluster right now.",
  nextStep: TRY_LATER,
  known: true,
};
const CRASHED: FailureExplanation = {
  summary: "The workshop crashed while starting.",
  nextStep:
    "Try launching it again; if it crashes again, tell your instructor: the template may be broken.",
  known: true,
};
const CONFIGURATION: FailureExplanation = {
  summary: "The workshop's configuration is broken, so it could not be started.",
  nextStep: TELL_INSTRUCTOR,
  known: true,
};
const TOO_SLOW: FailureExplanation = {
  summary: "The workshop took too long to start.",
  nextStep: "Try again; if it keeps happening, tell your instructor.",
  known: true,
};
const REFUSED: FailureExplanation = {
  summary: "The cluster refused to create the workshop (often a quota or a policy).",
  nextStep: `${TRY_LATER} If it keeps happening, tell your instructor.`,
  known: true,
};
const OUT_OF_MEMORY: FailureExplanation = {
  summary: "The workshop ran out of memory while starting.",
  nextStep: TELL_INSTRUCTOR,
  known: true,
};

const BY_REASON: Record<string, FailureExplanation> = {
  ErrImagePull: IMAGE,
  ImagePullBackOff: IMAGE,
  InvalidImageName: IMAGE,
  ErrImageNeverPull: IMAGE,
  RegistryUnavailable: IMAGE,
  Unschedulable: CAPACITY,
  FailedScheduling: CAPACITY,
  InsufficientCapacity: CAPACITY,
  CrashLoopBackOff: CRASHED,
  Error: CRASHED,
  OOMKilled: OUT_OF_MEMORY,
  CreateContainerConfigError: CONFIGURATION,
  CreateContainerError: CONFIGURATION,
  RunContainerError: CONFIGURATION,
  ProgressDeadlineExceeded: TOO_SLOW,
  StartupTimeout: TOO_SLOW,
  "startup-timeout": TOO_SLOW,
  ReplicaFailure: REFUSED,
  FailedCreate: REFUSED,
};

/** Plain words for a failure `reason` (with `message`, the cluster's raw text). */
export function explainFailure(
  reason: string | null | undefined,
  message: string | null | undefined,
): FailureExplanation {
  const known = reason ? BY_REASON[reason] : undefined;
  if (known) return known;
  if (
    message &&
    /insufficient (cpu|memory|ephemeral-storage)|didn't match|untolerated/i.test(message)
  ) {
    return CAPACITY;
  }
  const code = reason ? ` (${reason})` : "";
  return {
    summary: `The workshop could not start${code}.`,
    nextStep: message
      ? `The cluster said: "${message}". Try again; if it fails again, tell your instructor.`
      : "Try again; if it fails again, tell your instructor.",
    known: false,
  };
}
