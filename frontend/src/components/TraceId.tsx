// The api's trace id for a failed request, in text a learner can select with one click and
// paste into a message to whoever helps them.
export function TraceId({ traceId }: { traceId: string | null }) {
  if (traceId === null || traceId === "") return null;
  return (
    <p className="trace">
      Quote this id if you ask for help: <code className="trace-id">{traceId}</code>
    </p>
  );
}
