// Which of the learner's sessions a catalog card should point to instead of "Launch":
// a session of that template that is running or still starting. A failed one does not
// block the card (the learner may launch again); it is only linked.
import type { Instance } from "../../client/types";

export type CardSession =
  | { kind: "none" }
  | { kind: "ready"; instance: Instance }
  | { kind: "starting"; instance: Instance }
  | { kind: "ending"; instance: Instance }
  | { kind: "failed"; instance: Instance };

const RANK = { ready: 0, starting: 1, ending: 2, failed: 3 } as const;

function kindOf(instance: Instance): keyof typeof RANK | null {
  switch (instance.phase) {
    case "Ready":
      return "ready";
    case "Requested":
    case "Pending":
    case "Provisioning":
      return "starting";
    case "Terminating":
      return "ending";
    case "Failed":
      return "failed";
    case "Terminated":
      return null;
  }
}

export function sessionForTemplate(slug: string, sessions: readonly Instance[]): CardSession {
  let best: CardSession = { kind: "none" };
  for (const instance of sessions) {
    if (instance.template !== slug) continue;
    const kind = kindOf(instance);
    if (kind === null) continue;
    if (best.kind === "none" || RANK[kind] < RANK[best.kind]) best = { kind, instance };
  }
  return best;
}
