// Each phase in a few words, for learners who do not know what "Provisioning" means.
import type { Phase } from "../../client/types";

const WORDS: Record<Phase, string> = {
  Requested: "Your request was received; handing it to the cluster…",
  Pending: "Waiting for the cluster to schedule your workshop…",
  Provisioning: "Starting your workshop: downloading its image and starting it…",
  Ready: "Your workshop is ready.",
  Failed: "Your workshop could not start.",
  Terminating: "Your session is ending…",
  Terminated: "This session has ended.",
};

export function phaseInWords(phase: Phase): string {
  return WORDS[phase];
}
