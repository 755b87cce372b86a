// What a page shows if it breaks while rendering: words, never the stack trace the
// router would otherwise print. Inside the app's frame when only a page broke; standalone
// (with its own <main>) when the frame itself did.
import { Link } from "react-router";
import { routes } from "../routes";
import { PageHeading } from "./PageHeading";

function Explanation() {
  return (
    <>
      <PageHeading>Something went wrong</PageHeading>
      <p>
        This page could not be shown. Reload the page; if it happens again, tell your instructor.
      </p>
      <p>
        <Link to={routes.catalog()}>Go to the catalog</Link>
      </p>
    </>
  );
}

export function PageError() {
  return <Explanation />;
}

export function AppError() {
  return (
    <main id="main" className="page">
      <Explanation />
    </main>
  );
}
