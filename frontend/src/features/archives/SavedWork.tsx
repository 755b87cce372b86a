// In history: the archives of one ended session, each with how long it is kept.
import { formatDateTime } from "../../time/timestamps";
import type { Archive } from "../../client/types";
import { archiveUrl } from "./useArchives";

export function SavedWork({ archives }: { archives: Archive[] }) {
  if (archives.length === 0) return <span className="muted">–</span>;
  return (
    <ul className="plain">
      {archives.map((archive) => (
        <li key={archive.id}>
          <a href={archiveUrl(archive.id)} download>
            Files of {formatDateTime(archive.created_at)}
          </a>{" "}
          <span className="muted">kept until {formatDateTime(archive.expires_at)}</span>
        </li>
      ))}
    </ul>
  );
}
