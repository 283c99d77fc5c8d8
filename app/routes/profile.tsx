import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { idFieldSchema } from '~/models/ids';
import { getDb } from '../../db/index';
import { changePassword, createApiToken, listApiTokens, MIN_PASSWORD_LENGTH, revokeApiToken, signOutEverywhere } from '~/models/auth.server';
import { clearSessionCookie, requireUser, sessionTokenFrom } from '~/utils/session.server';
import { ErrorSummary, TextField, type FieldErrors } from '~/components/form-errors';
import { formatDateTime } from '~/utils/format';
import { DataTable } from '~/components/data-table';
import { readForm } from '~/utils/forms.server';

export const meta: MetaFunction = () => [{ title: 'Your profile – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const tokens = await listApiTokens(getDb(), user.id);
  return { user: { name: user.name, email: user.email }, tokens, minLength: MIN_PASSWORD_LENGTH };
}

const ProfileAction = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('create'), name: z.string().trim().min(1, 'Give the token a name, such as the script that will use it').max(100) }),
  z.object({ intent: z.literal('revoke'), tokenId: idFieldSchema('tokenId must be a token id') }),
  z.object({
    intent: z.literal('password'),
    current: z.string().max(200),
    next: z.string().max(200, 'Keep the password under 200 characters'),
    confirm: z.string().max(200),
  }),
  z.object({ intent: z.literal('sign-out-everywhere') }),
]);

type PasswordErrors = Partial<Record<'current' | 'next' | 'confirm', string>>;

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const parsed = ProfileAction.safeParse(Object.fromEntries(await readForm(request)));
  if (!parsed.success) return data({ error: parsed.error.issues[0].message, token: null }, { status: 400 });
  if (parsed.data.intent === 'password') {
    const { current, next, confirm } = parsed.data;
    const passwordErrors: PasswordErrors = {};
    if (!current) passwordErrors.current = 'Enter your current password';
    if (next !== confirm) passwordErrors.confirm = 'The two new passwords are not the same';
    if (Object.keys(passwordErrors).length) return data({ error: null, token: null, passwordErrors }, { status: 400 });
    const result = await changePassword(getDb(), user, { current, next, keepSessionToken: await sessionTokenFrom(request) });
    if (!result.ok) return data({ error: null, token: null, passwordErrors: { [result.field]: result.message } as PasswordErrors }, { status: 400 });
    return { error: null, token: null, passwordChanged: true };
  }
  if (parsed.data.intent === 'sign-out-everywhere') {
    // This session ends too: the sign-in page says what happened.
    await signOutEverywhere(getDb(), user.id);
    return redirect('/login?signedOut=everywhere', { headers: { 'Set-Cookie': await clearSessionCookie(request) } });
  }
  if (parsed.data.intent === 'create') {
    const { token } = await createApiToken(getDb(), user.id, parsed.data.name);
    return { error: null, token };
  }
  const revoked = await revokeApiToken(getDb(), user.id, parsed.data.tokenId);
  if (!revoked) return data({ error: 'That token does not exist or is already revoked.', token: null }, { status: 404 });
  return { error: null, token: null };
}

export default function Profile() {
  const { user, tokens, minLength } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const passwordErrors: FieldErrors = (actionData && 'passwordErrors' in actionData ? actionData.passwordErrors : undefined) ?? {};
  return (
    <>
      <h1>Your profile</h1>
      <dl className="summary">
        <dt>Name</dt>
        <dd>{user.name}</dd>
        <dt>Email</dt>
        <dd>{user.email}</dd>
      </dl>
      <h2 id="password-heading">Password</h2>
      {actionData && 'passwordChanged' in actionData && actionData.passwordChanged ? (
        <p className="notice notice--success" role="status">
          Your password has been changed. Your other sessions have been signed out.
        </p>
      ) : null}
      <ErrorSummary errors={passwordErrors} fieldIds={{ current: 'current-password', next: 'new-password', confirm: 'confirm-password' }} />
      <Form method="post" className="panel" aria-labelledby="password-heading">
        <input type="hidden" name="intent" value="password" />
        <TextField id="current-password" field="current" label="Current password" type="password" autoComplete="current-password" errors={passwordErrors} />
        <TextField
          id="new-password"
          field="next"
          label="New password"
          type="password"
          autoComplete="new-password"
          errors={passwordErrors}
          hint={`At least ${minLength} characters. Changing it signs out your other sessions.`}
        />
        <TextField id="confirm-password" field="confirm" label="New password again" type="password" autoComplete="new-password" errors={passwordErrors} />
        <button type="submit" className="button">
          Change password
        </button>
      </Form>
      <h2 id="sessions-heading">Sessions</h2>
      <p>If you signed in on a shared or lost device, end every session of your account, this one included. API tokens keep working: revoke them below.</p>
      <Form method="post" className="panel" aria-labelledby="sessions-heading">
        <input type="hidden" name="intent" value="sign-out-everywhere" />
        <button type="submit" className="button">
          Sign out everywhere
        </button>
      </Form>
      <h2>API tokens</h2>
      <p>A token lets a script use the Stocktake API as you, with your access. Keep it secret; revoke it when it is no longer needed.</p>
      {actionData?.error ? (
        <p className="field-error" role="alert">
          {actionData.error}
        </p>
      ) : null}
      {actionData?.token ? (
        <div className="notice notice--success" role="status">
          <p>
            <strong>Copy your new token now: it will not be shown again.</strong>
          </p>
          <p>
            <code data-testid="new-token">{actionData.token}</code>
          </p>
        </div>
      ) : null}
      <Form method="post" className="panel">
        <input type="hidden" name="intent" value="create" />
        <div className="field">
          <label htmlFor="token-name">Token name</label>
          <p className="hint" id="token-name-hint">
            What will use it, for example “monthly figures import”.
          </p>
          <input id="token-name" name="name" type="text" aria-describedby="token-name-hint" maxLength={100} required />
        </div>
        <button type="submit" className="button">
          Create token
        </button>
      </Form>
      {tokens.length ? (
        <DataTable
          caption="Your tokens"
          columns={[
            { header: 'Name', cell: (t) => t.name },
            { header: 'Starts with', cell: (t) => <code>{t.prefix}…</code> },
            { header: 'Created', cell: (t) => formatDateTime(t.created_at) },
            { header: 'Last used', cell: (t) => (t.last_used_at ? formatDateTime(t.last_used_at) : 'Never') },
            {
              header: 'Status',
              cell: (t) =>
                t.revoked_at ? (
                  `Revoked ${formatDateTime(t.revoked_at)}`
                ) : (
                  <Form method="post">
                    <input type="hidden" name="intent" value="revoke" />
                    <input type="hidden" name="tokenId" value={t.id} />
                    <button type="submit" className="link-button" aria-label={`Revoke token ${t.name}`}>
                      Revoke
                    </button>
                  </Form>
                ),
            },
          ]}
          rows={tokens}
          rowKey={(t) => t.id}
        />
      ) : (
        <p>You have no API tokens.</p>
      )}
    </>
  );
}
