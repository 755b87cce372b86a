// "End session", confirmed first: ending early loses unsaved work in the workshop.
import type { Instance } from "../../client/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useEndSession } from "./useEndSession";

export function EndSessionButton({ instance }: { instance: Instance }) {
  const end = useEndSession(instance.name);
  const ending =
    instance.phase === "Terminating" ||
    instance.phase === "Terminated" ||
    instance.terminate_requested_at !== null;
  return (
    <div className="end-session">
      <ConfirmDialog
        trigger="End session"
        title="End this session?"
        description="Unsaved work in the workshop will be lost."
        confirmLabel="End session"
        disabled={ending || end.isPending}
        onConfirm={() => {
          end.mutate();
        }}
      />
      <div aria-live="polite">
        {end.isPending || (end.isSuccess && instance.phase !== "Terminated") ? (
          <p className="hint">Ending your session…</p>
        ) : null}
      </div>
      {end.isError ? (
        <ErrorNotice error={end.error} context="The session could not be ended." />
      ) : null}
    </div>
  );
}
