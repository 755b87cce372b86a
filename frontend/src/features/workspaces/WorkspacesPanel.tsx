// "My workspaces": the learner's persistent workspaces (kept across sessions of a template),
// when each was last used and when the retention rule deletes it. A workspace whose
// deletion warning went out says so as an alert, on load as on the live stream's word,
// with the one button that keeps it; launching a session of its template keeps it too.
import { useId } from "react";
import type { Workspace } from "../../client/types";
import { describeError } from "../../client/problems";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatDateTime } from "../../time/timestamps";
import { useKeepWorkspace, useWorkspaces } from "./useWorkspaces";

function WorkspaceItem({ workspace }: { workspace: Workspace }) {
  const keep = useKeepWorkspace(workspace.template);
  const name = workspace.template_name ?? workspace.template;
  const refusal = keep.isError ? describeError(keep.error) : null;
  return (
    <li>
      <strong>{name}</strong>{" "}
      <span className="muted">
        {workspace.in_use
          ? "in use now"
          : `last used ${formatDateTime(workspace.last_used_at)}; kept until ${formatDateTime(workspace.deletes_at)}`}
      </span>
      {workspace.warned && !workspace.in_use ? (
        <div role="alert" className="notice notice-warning">
          <p>
            <strong>Your {name} workspace will be deleted</strong> on{" "}
            {formatDateTime(workspace.deletes_at)}: no session has used it since{" "}
            {formatDateTime(workspace.last_used_at)}. Keep it, or launch a session of it, to keep
            your files.
          </p>
          <button
            type="button"
            className="button"
            disabled={keep.isPending}
            onClick={() => {
              keep.mutate();
            }}
          >
            {keep.isPending ? "Keeping…" : "Keep my workspace"}
          </button>
          {refusal && !refusal.signingIn ? <p className="hint">{refusal.message}</p> : null}
        </div>
      ) : null}
    </li>
  );
}

export function WorkspacesPanel() {
  const headingId = useId();
  const workspaces = useWorkspaces();
  if (workspaces.isSuccess && workspaces.data.length === 0) return null;
  return (
    <section aria-labelledby={headingId} className="card">
      <h2 id={headingId} className="card-title">
        My workspaces
      </h2>
      {workspaces.isError ? (
        <ErrorNotice
          error={workspaces.error}
          context="Your workspaces could not be loaded."
          onRetry={() => void workspaces.refetch()}
        />
      ) : null}
      {workspaces.isSuccess ? (
        <ul className="stack">
          {workspaces.data.map((workspace) => (
            <WorkspaceItem key={workspace.template} workspace={workspace} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}
