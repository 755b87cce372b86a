// The launch's steps as an ordered list. The step the instance is at carries
// aria-current="step"; each step says in words (and with a symbol, not colour alone)
// whether it is done, in progress, failed or still to come.
import type { StepView } from "./launchSteps";
import { STATUS_WORDS } from "./launchSteps";

const SYMBOL = { done: "✓", current: "…", failed: "✕", upcoming: "○" } as const;

export function LaunchSteps({ steps }: { steps: StepView[] }) {
  return (
    <ol aria-label="Launch progress" className="steps">
      {steps.map(({ step, status, current }) => (
        <li
          key={step}
          className={`step step-${status}`}
          aria-current={current ? "step" : undefined}
        >
          <span className="step-symbol" aria-hidden="true">
            {SYMBOL[status]}
          </span>
          <span className="step-name">{step}</span>
          <span className="step-status">({STATUS_WORDS[status]})</span>
        </li>
      ))}
    </ol>
  );
}
