// The frame of every page: skip link, header with the main navigation, who is signed in,
// the live-connection state, the emulated-cluster notice, and the page in <main>.
// It also opens the page's one live stream: every learner's on admin pages (for admins),
// the learner's own everywhere else.
import { NavLink, Outlet, useLocation } from "react-router";
import { SIGN_OUT_URL } from "../client/signIn";
import { useMe } from "../identity/useMe";
import { LiveEventsProvider } from "../live/LiveEventsProvider";
import { isAdminPath, routes } from "../routes";
import { ClassMessageBanner } from "./ClassMessageBanner";
import { ClusterBanner } from "./ClusterBanner";
import { ConnectionStatus } from "./ConnectionStatus";
import { ErrorNotice } from "./ErrorNotice";

export function AppShell() {
  const me = useMe();
  const { pathname } = useLocation();
  const isAdmin = me.data?.is_admin === true;
  const scope = isAdmin && isAdminPath(pathname) ? "all" : "mine";

  return (
    // Once it is known who is signed in, the stream stays open (and keeps reconnecting)
    // even while a later re-check of the identity fails, e.g. during an api outage.
    <LiveEventsProvider
      scope={scope}
      enabled={me.data !== undefined}
      viewer={me.data?.email ?? null}
    >
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="site-header-inner">
          <p className="brand">Orchestra</p>
          <nav aria-label="Main" className="main-nav">
            <ul>
              <li>
                <NavLink to={routes.catalog()} end>
                  Catalog
                </NavLink>
              </li>
              <li>
                <NavLink to={routes.sessions()}>My sessions</NavLink>
              </li>
              <li>
                <NavLink to={routes.history()}>History</NavLink>
              </li>
              <li>
                <NavLink to={routes.classes()}>Classes</NavLink>
              </li>
              {isAdmin ? (
                <li>
                  <NavLink to={routes.admin()}>Admin</NavLink>
                </li>
              ) : null}
            </ul>
          </nav>
          <div className="account">
            <ConnectionStatus />
            {me.data ? (
              <p className="signed-in">
                <span className="visually-hidden">Signed in as </span>
                {me.data.email}
              </p>
            ) : null}
            <a href={SIGN_OUT_URL} className="sign-out">
              Sign out
            </a>
          </div>
        </div>
      </header>
      {me.data?.cluster === "emulated" ? <ClusterBanner note={me.data.cluster_note} /> : null}
      <main id="main" tabIndex={-1} className="page">
        <ClassMessageBanner />
        {me.isError && me.data === undefined ? (
          <ErrorNotice error={me.error} context="Orchestra could not tell who is signed in." />
        ) : null}
        <Outlet />
      </main>
    </LiveEventsProvider>
  );
}
