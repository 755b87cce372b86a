// "Still there?": shown when the expiry service said the session has been idle (an `idle`
// event, or the instance's own idle state when the page was loaded after the warning),
// with the one button that keeps it. Working in the workshop keeps it too.
import { useState } from "react";
import type { Instance } from "../../client/types";
import { describeError } from "../../client/problems";
import { idleNoticeOf } from "../../live/idleWarnings";
import { useLiveView } from "../../live/liveContext";
import { formatTime } from "../../time/timestamps";
import { useKeep } from "./useKeep";

export function IdleWarningBanner({ instance }: { instance: Instance }) {
  const { idle, kept } = useLiveView();
  const [keptSince, setKeptSince] = useState<string | null>(null);
  const notice = idleNoticeOf(instance, idle, keptSince);
  const keep = useKeep(instance.name, () => {
    if (notice !== undefined) setKeptSince(notice.idleSince);
    kept(instance.name);
  });
  if (notice === undefined || instance.phase !== "Ready") return null;
  const refusal = keep.isError ? describeError(keep.error) : null;
  return (
    <div role="alert" className="notice notice-warning">
      <p>
        <strong>Still there?</strong> Nothing has happened in this session since{" "}
        {formatTime(notice.idleSince)}; it ends at {formatTime(notice.endsAt)} unless you keep it.
        Your files go with it.
      </p>
      <button
        type="button"
        className="button"
        disabled={keep.isPending}
        onClick={() => {
          keep.mutate();
        }}
      >
        {keep.isPending ? "Keeping…" : "Keep my session"}
      </button>
      {refusal && !refusal.signingIn ? <p className="hint">{refusal.message}</p> : null}
    </div>
  );
}
