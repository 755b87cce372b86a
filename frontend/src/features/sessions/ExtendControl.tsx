// "Extend by [30 minutes] [Extend]": only lengths that fit the session's limits are
// offered; when none does, the button is disabled and the reason is said next to it.
// A refusal from the api (409) is shown in words.
import { useId, useState, type SubmitEvent } from "react";
import { describeError, ApiError } from "../../client/problems";
import type { Instance } from "../../client/types";
import { TraceId } from "../../components/TraceId";
import { formatTime } from "../../time/timestamps";
import { extensionOffer, refusalHeadline } from "./extensions";
import { useExtend } from "./useExtend";

interface Props {
  instance: Instance;
  now: number;
}

export function ExtendControl({ instance, now }: Props) {
  const id = useId();
  const offer = extensionOffer(instance, now);
  const extend = useExtend(instance.name);
  const [wanted, setWanted] = useState<string | null>(null);
  const choices = offer.possible ? offer.choices : [];
  const by = choices.find((choice) => choice.value === wanted)?.value ?? choices[0]?.value ?? "";

  function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (by !== "") extend.mutate(by);
  }

  const refusal = extend.isError ? describeError(extend.error) : null;
  const kind = extend.error instanceof ApiError ? extend.error.kind : null;

  return (
    <form className="extend" onSubmit={submit}>
      {offer.possible ? (
        <div className="field-inline">
          <label htmlFor={`${id}-by`}>Extend by</label>
          <select
            id={`${id}-by`}
            value={by}
            onChange={(event) => {
              setWanted(event.target.value);
            }}
          >
            {offer.choices.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
          <button type="submit" className="button" disabled={extend.isPending}>
            {extend.isPending ? "Extending…" : "Extend"}
          </button>
        </div>
      ) : (
        <div className="field-inline">
          <button type="submit" className="button" disabled aria-describedby={`${id}-why`}>
            Extend
          </button>
          <p id={`${id}-why`} className="hint">
            {offer.reason}
          </p>
        </div>
      )}
      <div aria-live="polite">
        {extend.isSuccess ? (
          <p className="hint">
            Extended: the session now ends at {formatTime(extend.data.expires_at)}.
          </p>
        ) : null}
      </div>
      {refusal && !refusal.signingIn ? (
        <div role="alert" className="notice notice-error">
          <p>
            <strong>{refusalHeadline(kind)}</strong> {refusal.message}
          </p>
          <TraceId traceId={refusal.traceId} />
        </div>
      ) : null}
    </form>
  );
}
