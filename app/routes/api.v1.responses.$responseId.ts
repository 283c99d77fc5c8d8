import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { MAX_ID } from '~/models/ids';
import { getDb } from '../../db/index';
import { describeResponse, requireVisibleResponse, saveResponseChange } from '~/models/responses.server';
import { handleApi, json, methodNotAllowed, parsePayload, readJsonBody } from '~/utils/api.server';
import { requireIdParam } from '~/utils/params.server';
import { requireApiUser } from '~/utils/session.server';

/** GET /api/v1/responses/{id} */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(async () => {
    const user = await requireApiUser(request);
    const db = getDb();
    const response = await requireVisibleResponse(db, user, requireIdParam(params, 'responseId', 'response'));
    return json(await describeResponse(db, response));
  });
}

const questionName = z.string().min(1).max(200);
const Change = z
  .object({
    baseRevision: z.number({ required_error: 'baseRevision is required: the revision your changes start from' }).int().min(0).max(MAX_ID),
    set: z.record(questionName, z.unknown()).default({}),
    unset: z.array(questionName).max(1000).default([]),
    page: z.string().max(100).optional(),
    changeId: z.string().min(8).max(100).optional(),
  })
  .strict()
  .refine((c) => Object.keys(c.set).length + c.unset.length > 0 || c.page !== undefined, {
    message: 'the change is empty: give "set", "unset" or "page"',
  });

/** PATCH /api/v1/responses/{id} — the same save as the questionnaire page's autosave. */
export async function action({ request, params }: ActionFunctionArgs) {
  return handleApi(async () => {
    if (request.method !== 'PATCH') return methodNotAllowed(['GET', 'PATCH']);
    const user = await requireApiUser(request);
    const id = requireIdParam(params, 'responseId', 'response');
    const change = parsePayload(Change, await readJsonBody(request));
    const result = await saveResponseChange(getDb(), user, id, change);
    return json({ id, revision: result.revision, updatedAt: result.updatedAt.toISOString(), changed: result.changed, progress: result.progress });
  });
}
