import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { useEffect, useRef } from 'react';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { createSession, recordSignInRefused, verifyLogin } from '~/models/auth.server';
import { beginSignIn, signInSucceeded } from '~/models/sign-in-throttle.server';
import { clientAddressFrom } from '~/utils/client-address.server';
import { commitSessionCookie, getCurrentUser, safeRedirectTarget, signInNotice, startPageFor } from '~/utils/session.server';
import { loadCurrentUser } from '~/models/users.server';
import { readForm } from '~/utils/forms.server';
import { TextField, type FieldErrors } from '~/components/form-errors';

export const meta: MetaFunction = () => [{ title: 'Sign in – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getCurrentUser(request);
  if (user) throw redirect(startPageFor(user));
  return { notice: signInNotice(new URL(request.url).searchParams) };
}

const LoginForm = z.object({
  email: z.string().trim().min(1, 'Enter your email address').max(254),
  password: z.string().min(1, 'Enter your password').max(1000),
  redirectTo: z.string().optional(),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = LoginForm.safeParse(Object.fromEntries(await readForm(request)));
  if (!parsed.success) {
    const fieldErrors = parsed.error.flatten().fieldErrors;
    return data({ error: null, fieldErrors: { email: fieldErrors.email?.[0], password: fieldErrors.password?.[0] } }, { status: 400 });
  }
  const { email, password, redirectTo } = parsed.data;
  const db = getDb();
  const attempt = { email, address: clientAddressFrom(context) };
  // Refused before the password is checked, known account or not: the same answer in the same time.
  const refusal = await beginSignIn(db, attempt);
  if (refusal) {
    await recordSignInRefused(db, email, refusal);
    return data({ error: refusal.message, fieldErrors: {} }, { status: 429, headers: { 'Retry-After': String(refusal.retryAfterSeconds) } });
  }
  const result = await verifyLogin(db, email, password);
  if (!result.ok) return data({ error: result.message, fieldErrors: {} }, { status: 401 });
  await signInSucceeded(db, attempt);
  const { token } = await createSession(db, result.userId, request.headers.get('User-Agent'));
  const user = await loadCurrentUser(db, result.userId);
  return redirect(safeRedirectTarget(redirectTo, user ? startPageFor(user) : '/'), {
    headers: { 'Set-Cookie': await commitSessionCookie(request, token) },
  });
}

export default function Login() {
  const { notice } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const errorRef = useRef<HTMLDivElement>(null);
  const fieldErrors: FieldErrors = actionData?.fieldErrors ?? {};
  useEffect(() => {
    if (actionData) errorRef.current?.focus();
  }, [actionData]);
  const hasErrors = Boolean(actionData?.error || fieldErrors.email || fieldErrors.password);
  return (
    <div className="login">
      <h1>Sign in to Stocktake</h1>
      <p>Stocktake collects and compares the self-assessments of children’s social services teams.</p>
      {notice && !actionData ? (
        <p className="notice notice--warning" role="status">
          {notice}
        </p>
      ) : null}
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
        <TextField id="email" field="email" label="Email address" type="email" autoComplete="username" errors={fieldErrors} required />
        <TextField id="password" field="password" label="Password" type="password" autoComplete="current-password" errors={fieldErrors} required />
        <button type="submit" className="button" disabled={navigation.state === 'submitting'}>
          {navigation.state === 'submitting' ? 'Signing in…' : 'Sign in'}
        </button>
      </Form>
    </div>
  );
}
