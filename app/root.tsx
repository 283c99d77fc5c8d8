import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, Links, Meta, NavLink, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from '@remix-run/react';
import type { ReactNode } from 'react';
import { GeneralErrorBoundary } from '~/components/error-boundary';
import { useNonce } from '~/utils/nonce-provider';
import { getCurrentUser } from '~/utils/session.server';
import { primaryRole } from '~/models/users.server';
import { permissionsOf } from '~/utils/permissions';
import { isDemoInstallation } from '~/models/demo.server';
import { getDb } from '../db/index';
import appStyles from '~/styles/app.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: appStyles },
  {
    rel: 'icon',
    href: 'data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 viewBox=%220 0 16 16%22%3E%3Crect width=%2216%22 height=%2216%22 rx=%223%22 fill=%22%231d3f6e%22/%3E%3Cpath d=%22M4 8.5l2.5 2.5L12 5%22 stroke=%22white%22 stroke-width=%222%22 fill=%22none%22/%3E%3C/svg%3E',
  },
];

export const meta: MetaFunction = () => [{ title: 'Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const [user, demo] = await Promise.all([getCurrentUser(request), isDemoInstallation(getDb())]);
  if (!user) return { user: null, demo };
  const permissions = permissionsOf(user);
  return {
    user: {
      name: user.name,
      email: user.email,
      role: primaryRole(user),
      canReview: permissions.has('round:manage'),
      canAdminister: permissions.has('organisation:manage'),
      managesTeam: permissions.has('response:edit-own'),
      // Case audits: auditors do them; managers read their team's.
      seesAudits: permissions.has('case:audit') || permissions.has('response:edit-own'),
      // The action register: managers (their teams' actions) and reviewers.
      seesActions: permissions.has('action:read'),
    },
    demo,
  };
}

function Header() {
  const data = useRouteLoaderData<typeof loader>('root');
  const user = data?.user;
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <Link to="/" className="brand">
          Stocktake
        </Link>
        {user ? (
          <nav aria-label="Main">
            <ul className="nav-list">
              {user.managesTeam ? (
                <li>
                  <NavLink to="/my-team">My team</NavLink>
                </li>
              ) : null}
              {user.seesAudits ? (
                <li>
                  <NavLink to="/audits">Case audits</NavLink>
                </li>
              ) : null}
              {user.canReview ? (
                <li>
                  <NavLink to="/review">Review</NavLink>
                </li>
              ) : null}
              {user.seesActions ? (
                <li>
                  <NavLink to="/actions">Actions</NavLink>
                </li>
              ) : null}
              {user.canAdminister ? (
                <li>
                  <NavLink to="/admin">Administration</NavLink>
                </li>
              ) : null}
              <li>
                <NavLink to="/profile">{user.name}</NavLink>
              </li>
              <li>
                <Form method="post" action="/logout">
                  <button type="submit" className="link-button">
                    Sign out
                  </button>
                </Form>
              </li>
            </ul>
          </nav>
        ) : null}
      </div>
    </header>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>('root');
  const nonce = useNonce();
  return (
    <html lang="en-GB">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a href="#main" className="skip-link">
          Skip to main content
        </a>
        <Header />
        {data?.demo ? (
          <p className="demo-banner" role="note">
            Demonstration data: every team, person and figure here is synthetic.
          </p>
        ) : null}
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
