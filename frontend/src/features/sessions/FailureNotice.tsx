// A failed launch: what happened and what to do, in words; the cluster's raw reason and
// message stay available under "Technical details" for whoever helps.
import type { Instance } from "../../client/types";
import { explainFailure } from "./failures";

export function FailureNotice({ instance }: { instance: Pick<Instance, "reason" | "message"> }) {
  const { summary, nextStep } = explainFailure(instance.reason, instance.message);
  return (
    <div role="alert" className="notice notice-error">
      <p>
        <strong>{summary}</strong>
      </p>
      <p>{nextStep}</p>
      {instance.reason || instance.message ? (
        <details className="details">
          <summary>Technical details</summary>
          <dl className="facts">
            {instance.reason ? (
              <>
                <dt>Reason</dt>
                <dd>
                  <code>{instance.reason}</code>
                </dd>
              </>
            ) : null}
            {instance.message ? (
              <>
                <dt>Message</dt>
                <dd className="raw-message">{instance.message}</dd>
              </>
            ) : null}
          </dl>
        </details>
      ) : null}
    </div>
  );
}
