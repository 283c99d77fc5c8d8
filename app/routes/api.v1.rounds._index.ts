import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { invalid } from '~/models/errors.server';
import { idSchema, MAX_ID } from '~/models/ids';
import { findVersion } from '~/models/questionnaires.server';
import { createRoundForUser, isoDateSchema, listRounds, requireVisibleRound, roundOverview, teamSelectionSchema } from '~/models/rounds.server';
import { handleApi, json, methodNotAllowed, parsePayload, readJsonBody } from '~/utils/api.server';
import { requireApiPermission, requireApiUser } from '~/utils/session.server';

/** GET /api/v1/rounds — the rounds holding teams the caller may see, newest first. */
export async function loader({ request }: LoaderFunctionArgs) {
  return handleApi(async () => {
    const user = await requireApiUser(request);
    requireApiPermission(user, 'response:read-any');
    const rounds = await listRounds(getDb(), user);
    return json({
      rounds: rounds.map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        dueDate: r.due_date,
        followsRoundId: r.follows_round_id,
        questionnaire: { slug: r.questionnaire_slug, title: r.questionnaire_title, version: r.version, versionId: r.questionnaire_version_id },
        responses: { total: r.responses, submitted: r.submitted, inProgress: r.in_progress, returned: r.returned },
        createdAt: r.created_at.toISOString(),
      })),
    });
  });
}

const NewRound = z
  .object({
    name: z.string({ required_error: 'name is required' }).trim().min(1, 'name is required').max(200),
    questionnaireVersionId: idSchema.optional(),
    questionnaire: z
      .object({ slug: z.string().min(1).max(100), version: z.number().int().positive().max(MAX_ID) })
      .strict()
      .optional(),
    dueDate: isoDateSchema,
    teams: teamSelectionSchema.optional(),
    followsRoundId: idSchema.nullable().optional(),
    subject: z.enum(['team', 'case'], { errorMap: () => ({ message: "subject must be 'team' or 'case'" }) }).optional(),
    repeatMonths: z.number().int().min(1, 'repeatMonths must be 1 to 60').max(60, 'repeatMonths must be 1 to 60').nullable().optional(),
  })
  .strict()
  .refine((r) => !(r.subject === 'case' && r.followsRoundId), {
    message: 'a case round repeats an earlier one from its page (POST /review/rounds/{id}/cases, intent repeat), not with followsRoundId',
    path: ['followsRoundId'],
  })
  .refine((r) => !(r.questionnaireVersionId && r.questionnaire), { message: 'give questionnaireVersionId or questionnaire, not both', path: ['questionnaire'] })
  .refine((r) => r.questionnaireVersionId || r.questionnaire || r.followsRoundId, {
    message: 'give questionnaireVersionId or questionnaire {slug, version} (or followsRoundId to keep the earlier round’s version)',
    path: ['questionnaireVersionId'],
  })
  .refine((r) => r.teams || r.followsRoundId, { message: 'teams is required: {"by": "all" | "area" | "type" | "picked"}', path: ['teams'] });

/** POST /api/v1/rounds — create a round (or, with followsRoundId, the next phase of an earlier one). */
export async function action({ request }: ActionFunctionArgs) {
  return handleApi(async () => {
    if (request.method !== 'POST') return methodNotAllowed(['GET', 'POST']);
    const user = await requireApiUser(request);
    requireApiPermission(user, 'round:manage');
    const input = parsePayload(NewRound, await readJsonBody(request));
    const db = getDb();
    let versionId = input.questionnaireVersionId;
    if (input.questionnaire) {
      const found = await findVersion(db, input.questionnaire.slug, input.questionnaire.version);
      if (!found) {
        throw invalid(`No published version ${input.questionnaire.version} of questionnaire "${input.questionnaire.slug}".`, {
          errors: [{ path: 'questionnaire', message: 'is not a published questionnaire version' }],
        });
      }
      versionId = found.id;
    }
    if (!versionId && input.followsRoundId) versionId = (await requireVisibleRound(db, user, input.followsRoundId)).questionnaire_version_id;
    const round = await createRoundForUser(db, user, {
      name: input.name,
      questionnaireVersionId: versionId!,
      dueDate: input.dueDate,
      teams: input.teams ?? { by: 'earlier' },
      followsRoundId: input.followsRoundId ?? null,
      subject: input.subject ?? 'team',
      repeatMonths: input.subject === 'case' ? (input.repeatMonths ?? null) : null,
    });
    const overview = await roundOverview(db, user, round.id);
    return json({ ...overview.round, counts: overview.counts }, { status: 201, headers: { Location: `/api/v1/rounds/${round.id}` } });
  });
}
