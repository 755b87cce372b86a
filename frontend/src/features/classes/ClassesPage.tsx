// "Classes": join one with its code (everyone), the classes I teach and a form to create
// one (admins and instructors).
import { Link } from "react-router";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Loading } from "../../components/Loading";
import { PageHeading } from "../../components/PageHeading";
import { routes } from "../../routes";
import { formatDateTime } from "../../time/timestamps";
import { useMe } from "../../identity/useMe";
import { CreateClassForm } from "./CreateClassForm";
import { JoinClassForm } from "./JoinClassForm";
import { useTaughtClasses } from "./useClasses";

export function ClassesPage() {
  const taught = useTaughtClasses();
  const me = useMe();
  return (
    <>
      <PageHeading>Classes</PageHeading>
      <section aria-labelledby="join-heading">
        <h2 id="join-heading">Join a class</h2>
        <JoinClassForm />
      </section>
      <section aria-labelledby="taught-heading">
        <h2 id="taught-heading">Classes I teach</h2>
        {taught.isPending ? <Loading what="your classes" /> : null}
        {taught.isError ? (
          <ErrorNotice error={taught.error} context="Your classes could not be read." />
        ) : null}
        {taught.data?.length === 0 ? <p>You teach no class.</p> : null}
        <ul className="class-list">
          {taught.data?.map((klass) => (
            <li key={klass.id}>
              <Link to={routes.classRoster(klass.id)}>{klass.title}</Link> ({klass.template},{" "}
              {formatDateTime(klass.starts_at)} to {formatDateTime(klass.ends_at)}; join code{" "}
              <code>{klass.join_code}</code>)
            </li>
          ))}
        </ul>
      </section>
      {me.data?.may_create_classes ? (
        <section aria-labelledby="create-heading">
          <h2 id="create-heading">Create a class</h2>
          <CreateClassForm />
        </section>
      ) : null}
    </>
  );
}
