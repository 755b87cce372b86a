// The link into a Ready workshop, opened in a new tab so the dashboard (with its
// countdown and warnings) stays open. It goes through the api's open flow, which
// checks that the learner owns the workshop, mints a single-use ticket and sends
// the tab on to the workshop's gate (docs/src/content/docs/architecture/gate.md): the workshop's own URL alone
// lets nobody in. Shown only once the api reports the workshop's URL (Ready).
import { safeUrl } from "../../components/markdownUrls";

interface Props {
  name: string;
  url: string | null;
  label?: string;
}

export function openFlowHref(name: string): string {
  return `/api/v1/instances/${encodeURIComponent(name)}/open`;
}

export function OpenWorkshopLink({ name, url, label = "Open workshop" }: Props) {
  const workshop = url ? safeUrl(url) : null;
  if (workshop === null || workshop === "") return null;
  return (
    <a className="button button-primary" href={openFlowHref(name)} target="_blank" rel="noopener">
      {label}
      <span aria-hidden="true"> ↗</span>
    </a>
  );
}
