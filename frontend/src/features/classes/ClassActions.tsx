// "Extend everyone by 30 min" and "End the class", with what each did in words.
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { describeError } from "../../client/problems";
import { useEndClass, useExtendClass } from "./useClasses";

export function ClassActions({ classId, ended }: { classId: string; ended: boolean }) {
  const extend = useExtendClass(classId);
  const end = useEndClass(classId);
  const failure = extend.error ?? end.error;
  return (
    <div className="class-actions">
      <button
        type="button"
        className="button"
        disabled={ended || extend.isPending}
        onClick={() => {
          extend.mutate("30m");
        }}
      >
        Extend everyone by 30 min
      </button>
      <ConfirmDialog
        trigger="End the class"
        title="End the class for everyone?"
        description="Every learner's session ends now and the waiting room closes. Their work folders are exported as at any session's end."
        confirmLabel="End the class"
        disabled={ended || end.isPending}
        onConfirm={() => {
          end.mutate();
        }}
      />
      <p role="status" aria-live="polite">
        {extend.data
          ? `Extended ${extend.data.done} session(s)` +
            (extend.data.refused
              ? `; ${extend.data.refused} could not be: ${extend.data.outcomes.find((o) => !o.done)?.problem ?? ""}`
              : ".")
          : null}
        {end.data ? ` Ended ${end.data.done} session(s).` : null}
        {failure ? describeError(failure).message : null}
      </p>
    </div>
  );
}
