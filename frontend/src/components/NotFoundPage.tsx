// Any URL the dashboard does not know.
import { Link } from "react-router";
import { routes } from "../routes";
import { PageHeading } from "./PageHeading";

export function NotFoundPage() {
  return (
    <>
      <PageHeading>Page not found</PageHeading>
      <p>There is no page at this address.</p>
      <p>
        <Link to={routes.catalog()}>Go to the catalog</Link>
      </p>
    </>
  );
}
