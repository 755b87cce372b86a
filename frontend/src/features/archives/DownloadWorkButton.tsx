// "Download my work" on a running session: the platform saves the work folder, then the
// newest archive is offered as a link (the store is the record, docs/src/content/docs/decisions/0060).
import type { Instance } from "../../client/types";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatDateTime } from "../../time/timestamps";
import { archiveUrl, useArchives, useExport } from "./useArchives";

export function DownloadWorkButton({ instance }: { instance: Instance }) {
  const exporting = useExport(instance.name);
  const requestedAt = exporting.data?.requested_at;
  const waiting = requestedAt !== undefined;
  const archives = useArchives(instance.name, waiting);
  const newest = archives.data?.[0];
  const fresh =
    newest !== undefined && requestedAt !== undefined && newest.created_at >= requestedAt
      ? newest
      : undefined;
  if (instance.phase !== "Ready" || instance.terminate_requested_at !== null) return null;
  return (
    <div className="download-work">
      <button
        type="button"
        className="button"
        disabled={exporting.isPending || (waiting && fresh === undefined)}
        onClick={() => exporting.mutate()}
      >
        Download my work
      </button>
      <div aria-live="polite">
        {waiting && fresh === undefined ? <p className="hint">Saving your files…</p> : null}
        {fresh !== undefined ? (
          <p className="hint">
            <a href={archiveUrl(fresh.id)} download>
              Your files, saved {formatDateTime(fresh.created_at)}
            </a>{" "}
            (kept until {formatDateTime(fresh.expires_at)})
          </p>
        ) : null}
      </div>
      {exporting.isError ? (
        <ErrorNotice error={exporting.error} context="Your files could not be saved." />
      ) : null}
    </div>
  );
}
