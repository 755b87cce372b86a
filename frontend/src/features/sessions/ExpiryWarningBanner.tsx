// "Your session ends in 5 minutes — save your work", shown only when the server's expiry
// service has said so (an `expiring` event), never from the dashboard's own clock.
import type { Instance } from "../../client/types";
import { warningFor, warningText } from "../../live/expiryWarnings";
import { useLiveView } from "../../live/liveContext";

export function ExpiryWarningBanner({ instance }: { instance: Instance }) {
  const { warnings } = useLiveView();
  const warning = warningFor(warnings, instance);
  if (warning === null) return null;
  return (
    <p role="alert" className="notice notice-warning">
      {warningText(warning.leadSeconds)}
    </p>
  );
}
