// "Terminate" for one learner's session, confirmed first ("Terminate <name>?").
import type { Instance } from "../../client/types";
import { describeError } from "../../client/problems";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { TraceId } from "../../components/TraceId";
import { useAdminTerminate } from "./useAdminSessions";

export function TerminateButton({ instance }: { instance: Instance }) {
  const terminate = useAdminTerminate(instance.name);
  const over =
    instance.phase === "Terminating" ||
    instance.phase === "Terminated" ||
    instance.terminate_requested_at !== null;
  const problem = terminate.isError ? describeError(terminate.error) : null;
  return (
    <div className="row-action">
      <ConfirmDialog
        trigger={
          <>
            Terminate<span className="visually-hidden"> {instance.name}</span>
          </>
        }
        title={`Terminate ${instance.name}?`}
        description={`${instance.owner} will lose any unsaved work in this workshop, and will see that an administrator ended it.`}
        confirmLabel="Terminate"
        disabled={over || terminate.isPending || terminate.isSuccess}
        onConfirm={() => {
          terminate.mutate();
        }}
      />
      {problem && !problem.signingIn ? (
        <div role="alert" className="field-error">
          <p>{problem.message}</p>
          <TraceId traceId={problem.traceId} />
        </div>
      ) : null}
    </div>
  );
}
