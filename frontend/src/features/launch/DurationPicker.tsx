// "Duration": the choices from 30 minutes up to the template's maximum (the default
// selected), or "Another duration…" to type one in the api's notation, checked as typed.
// An error from the api about the duration (422) is shown here too, next to the field.
import { useId, type ReactNode } from "react";
import {
  durationChoices,
  durationInWords,
  NOTATION_HELP,
  parseApiDuration,
} from "../../time/durations";

export const CUSTOM = "custom";

interface Props {
  defaultDuration: string;
  maxDuration: string;
  /** The chosen option's value, or CUSTOM. */
  choice: string;
  custom: string;
  onChoice: (value: string) => void;
  onCustom: (value: string) => void;
  /** What is wrong with the duration (client check or api answer), if anything. */
  error: string | null;
  errorExtra?: ReactNode;
}

export function DurationPicker({
  defaultDuration,
  maxDuration,
  choice,
  custom,
  onChoice,
  onCustom,
  error,
  errorExtra,
}: Props) {
  const id = useId();
  const choices = durationChoices(defaultDuration, maxDuration);
  const maxSeconds = parseApiDuration(maxDuration);
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = error ? `${helpId} ${errorId}` : helpId;
  const longest =
    maxSeconds === null ? "" : ` At most ${durationInWords(Math.floor(maxSeconds / 60))}.`;

  return (
    <div className="field">
      <label htmlFor={`${id}-choice`}>Duration</label>
      <select
        id={`${id}-choice`}
        value={choice}
        aria-describedby={describedBy}
        aria-invalid={error !== null && choice !== CUSTOM ? true : undefined}
        onChange={(event) => {
          onChoice(event.target.value);
        }}
      >
        {choices.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
        <option value={CUSTOM}>Another duration…</option>
      </select>
      {choice === CUSTOM ? (
        <>
          <label htmlFor={`${id}-custom`}>Custom duration</label>
          <input
            id={`${id}-custom`}
            type="text"
            inputMode="text"
            autoComplete="off"
            spellCheck={false}
            placeholder="e.g. 1h30m"
            value={custom}
            aria-describedby={describedBy}
            aria-invalid={error !== null ? true : undefined}
            onChange={(event) => {
              onCustom(event.target.value);
            }}
          />
        </>
      ) : null}
      <p id={helpId} className="hint">
        {NOTATION_HELP}
        {longest}
      </p>
      {error ? (
        <div id={errorId} className="field-error">
          <p>{error}</p>
          {errorExtra}
        </div>
      ) : null}
    </div>
  );
}
