// The admin console's frame: its sub-navigation, shown only to admins. The check here is
// for the learner's sake (a clear "Admins only" instead of broken pages); the api refuses
// admin requests from non-admins anyway (403), and the pages say so if that happens.
import { Link, NavLink, Outlet } from "react-router";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Loading } from "../../components/Loading";
import { PageHeading } from "../../components/PageHeading";
import { useMe } from "../../identity/useMe";
import { routes } from "../../routes";

export function AdminLayout() {
  const me = useMe();
  if (me.isPending) {
    return (
      <>
        <PageHeading>Admin</PageHeading>
        <Loading what="your account" />
      </>
    );
  }
  if (me.isError) {
    return (
      <>
        <PageHeading>Admin</PageHeading>
        <ErrorNotice error={me.error} context="Your account could not be checked." />
      </>
    );
  }
  if (!me.data.is_admin) {
    return (
      <>
        <PageHeading>Admins only</PageHeading>
        <p>
          This part of Orchestra is for platform administrators, and {me.data.email} is not an
          administrator account.
        </p>
        <p>
          <Link to={routes.catalog()}>Go to the catalog</Link>
        </p>
      </>
    );
  }
  return (
    <>
      <nav aria-label="Admin" className="sub-nav">
        <ul>
          <li>
            <NavLink to={routes.admin()} end>
              Sessions
            </NavLink>
          </li>
          <li>
            <NavLink to={routes.adminStats()}>Statistics</NavLink>
          </li>
          <li>
            <NavLink to={routes.adminCatalog()}>Catalog</NavLink>
          </li>
          <li>
            <NavLink to={routes.adminAudit()}>Audit</NavLink>
          </li>
        </ul>
      </nav>
      <Outlet />
    </>
  );
}
