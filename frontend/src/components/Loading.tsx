// A calm placeholder while data loads. Deliberately not role="status": the page's one
// status element is the live-connection indicator (see ConnectionStatus).
export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" aria-busy="true">
      Loading {what}…
    </p>
  );
}
