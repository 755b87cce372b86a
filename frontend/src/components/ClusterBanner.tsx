// Shown on every page while the platform runs on an emulated cluster: workshops go through
// their phases but nothing really runs, and a learner must not mistake it for the real one.
export function ClusterBanner({ note }: { note: string | null }) {
  return (
    <aside className="cluster-banner" aria-label="Cluster notice">
      <p>
        <strong>Emulated cluster.</strong>{" "}
        {note ?? "Workshops go through their phases, but no workshop really runs."}
      </p>
    </aside>
  );
}
