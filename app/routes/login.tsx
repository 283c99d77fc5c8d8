import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import { useEffect, useRef } from 'react';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { createSession, verifyLogin } from '~/models/auth.server';
import { commitSessionCookie, getCurrentUser, safeRedirectTarget, startPageFor } from '~/utils/session.server';
import { clearFailures, isThrottled, recordFailure } from '~/utils/throttle.server';
import { loadCurrentUser } from '~/models/users.server';

export const meta: MetaFunction = () => [{ title: 'Sign in – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getCurrentUser(request);
  if (user) throw redirect(startPageFor(user));
  return null;
}

const LoginForm = z.object({
  email: z.string().trim().min(1, 'Enter your email address').max(254),
  password: z.string().min(1, 'Enter your password').max(1000),
  redirectTo: z.string().optional(),
});

export async function action({ request }: ActionFunctionArgs) {
  const parsed = LoginForm.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    const fieldErrors = parsed.error.flatten().fieldErrors;
    return data({ error: null, fieldErrors: { email: fieldErrors.email?.[0], password: fieldErrors.password?.[0] } }, { status: 400 });
  }
  const { email, password, redirectTo } = parsed.data;
  const key = `login:${email.toLowerCase()}`;
  if (isThrottled(key, 10)) {
    return data(
      { error: 'Too many failed attempts for this account. Wait 15 minutes and try again, or ask an administrator to reset your password.', fieldErrors: {} },
      { status: 429 },
    );
  }
  const db = getDb();
  const result = await verifyLogin(db, email, password);
  if (!result.ok) {
    recordFailure(key);
    return data({ error: result.message, fieldErrors: {} }, { status: 401 });
  }
  clearFailures(key);
  const { token } = await createSession(db, result.userId, request.headers.get('User-Agent'));
  const user = await loadCurrentUser(db, result.userId);
  return redirect(safeRedirectTarget(redirectTo, user ? startPageFor(user) : '/'), {
    headers: { 'Set-Cookie': await commitSessionCookie(request, token) },
  });
}

export default function Login() {
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const errorRef = useRef<HTMLDivElement>(null);
  const fieldErrors: { email?: string; password?: string } = actionData?.fieldErrors ?? {};
  useEffect(() => {
    if (actionData) errorRef.current?.focus();
  }, [actionData]);
  const hasErrors = Boolean(actionData?.error || fieldErrors.email || fieldErrors.password);
  return (
    <div className="login">
      <h1>Sign in to Stocktake</h1>
      <p>Stocktake collects and compares the self-assessments of children’s social services teams.</p>
      {hasErrors ? (
        <div className="error-summary" role="alert" tabIndex={-1} ref={errorRef}>
          <h2>There is a problem</h2>
          <ul>
            {actionData?.error ? <li>{actionData.error}</li> : null}
            {fieldErrors.email ? (
              <li>
                <a href="#email">{fieldErrors.email}</a>
              </li>
            ) : null}
            {fieldErrors.password ? (
              <li>
                <a href="#password">{fieldErrors.password}</a>
              </li>
            ) : null}
          </ul>
        </div>
      ) : null}
      <Form method="post" noValidate>
        <input type="hidden" name="redirectTo" value={searchParams.get('redirectTo') ?? ''} />
        <div className="field">
          <label htmlFor="email">Email address</label>
          {fieldErrors.email ? (
            <p className="field-error" id="email-error">
              {fieldErrors.email}
            </p>
          ) : null}
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            required
            aria-invalid={fieldErrors.email ? true : undefined}
            aria-describedby={fieldErrors.email ? 'email-error' : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          {fieldErrors.password ? (
            <p className="field-error" id="password-error">
              {fieldErrors.password}
            </p>
          ) : null}
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            aria-invalid={fieldErrors.password ? true : undefined}
            aria-describedby={fieldErrors.password ? 'password-error' : undefined}
          />
        </div>
        <button type="submit" className="button" disabled={navigation.state === 'submitting'}>
          {navigation.state === 'submitting' ? 'Signing in…' : 'Sign in'}
        </button>
      </Form>
    </div>
  );
}
