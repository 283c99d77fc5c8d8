import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useEffect, useRef } from 'react';
import { z } from 'zod';
import { idFieldSchema, MAX_ID } from '~/models/ids';
import { getDb } from '../../db/index';
import { TEAM_TYPE_LABELS } from '../../db/schema';
import { roundTeamChoices } from '~/models/organisation.server';
import { AreaPickerForm } from '~/components/select-field';
import { listQuestionnaires } from '~/models/questionnaires.server';
import { createRoundForUser, isoDateSchema, listRounds, teamSelectionSchema, type TeamSelection } from '~/models/rounds.server';
import { formRefusal } from '~/utils/errors.server';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatDate } from '~/utils/format';
import reviewCss from '~/styles/review.css?url';
import { readForm } from '~/utils/forms.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: reviewCss }];
export const meta: MetaFunction = () => [{ title: 'New round – Review – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'round:manage');
  const db = getDb();
  const url = new URL(request.url);
  const pickArea = idFieldSchema('pickArea must be an area id')
    .optional()
    .safeParse(url.searchParams.get('pickArea') || undefined);
  if (!pickArea.success) throw new Response('pickArea must be an area id.', { status: 400 });
  const [versions, choices, rounds] = await Promise.all([listQuestionnaires(db), roundTeamChoices(db, user, pickArea.data), listRounds(db, user)]);
  const followsParam = Number(url.searchParams.get('follows'));
  const follows = rounds.find((r) => r.id === followsParam) ?? null;
  // For a next phase, suggest the newest version of the earlier round's questionnaire.
  const suggestedVersion = follows ? versions.filter((v) => v.slug === follows.questionnaire_slug).sort((a, b) => b.version - a.version)[0]?.id : undefined;
  return {
    versions: versions.map((v) => ({ id: v.id, title: v.title, version: v.version })),
    // The teams to pick one by one: every team, or at national scale those of the area chosen (`pickArea`).
    teams: choices.teams.map((t) => ({ id: t.id, name: t.name, areaId: t.area_id, areaName: t.area_name, type: t.team_type })),
    teamCount: choices.total,
    teamsByArea: choices.byArea,
    pickArea: pickArea.data ?? null,
    areas: choices.areas.map((a) => ({ id: a.id, name: a.name })),
    teamTypes: choices.teamTypes.map((type) => ({ value: type, label: TEAM_TYPE_LABELS[type] })),
    rounds: rounds.map((r) => ({ id: r.id, name: r.name, title: r.questionnaire_title, version: r.version, dueDate: r.due_date })),
    follows: follows ? { id: follows.id, name: follows.name } : null,
    suggestedVersion: suggestedVersion ?? null,
  };
}

const FIELDS = ['name', 'questionnaireVersionId', 'dueDate', 'followsRoundId', 'teams', 'subject', 'repeatMonths'] as const;
type Field = (typeof FIELDS)[number];
type FieldErrors = Partial<Record<Field, string>>;

const RoundForm = z.object({
  name: z.string().trim().min(1, 'Enter a name for the round').max(200, 'Keep the name under 200 characters'),
  questionnaireVersionId: idFieldSchema('Choose a questionnaire version'),
  dueDate: z.string().min(1, 'Enter the due date').pipe(isoDateSchema),
  followsRoundId: z
    .string()
    .optional()
    .transform((v) => (v ? Number(v) : null))
    .pipe(z.number().int().positive('Choose an earlier round, or none').max(MAX_ID, 'Choose an earlier round, or none').nullable()),
  teamsBy: z.enum(['all', 'area', 'type', 'picked', 'earlier'], { errorMap: () => ({ message: 'Choose which teams take part' }) }),
  areaIds: z.array(idFieldSchema()),
  teamTypes: z.array(z.string()),
  teamIds: z.array(idFieldSchema()),
  subject: z.enum(['team', 'case'], { errorMap: () => ({ message: 'Choose what the round’s responses are about' }) }),
  repeatMonths: z
    .string()
    .optional()
    .transform((v) => (v ? Number(v) : null))
    .pipe(z.number().int('Give a whole number of months').min(1, 'At least 1 month').max(60, 'At most 60 months').nullable()),
});

function fieldOf(path: string): Field {
  const head = path.split('.')[0];
  if (head === 'teamsBy' || head === 'areaIds' || head === 'teamTypes' || head === 'teamIds') return 'teams';
  return (FIELDS as readonly string[]).includes(head) ? (head as Field) : 'teams';
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'round:manage');
  const form = await readForm(request);
  const parsed = RoundForm.safeParse({
    name: form.get('name') ?? '',
    questionnaireVersionId: form.get('questionnaireVersionId') ?? '',
    dueDate: form.get('dueDate') ?? '',
    followsRoundId: form.get('followsRoundId') ?? '',
    teamsBy: form.get('teamsBy') ?? undefined,
    areaIds: form.getAll('areaIds'),
    teamTypes: form.getAll('teamTypes'),
    teamIds: form.getAll('teamIds'),
    subject: form.get('subject') ?? 'team',
    repeatMonths: form.get('repeatMonths') ?? '',
  });
  const fieldErrors: FieldErrors = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) fieldErrors[fieldOf(String(issue.path[0]))] ??= issue.message;
    return data({ message: null, fieldErrors }, { status: 400 });
  }
  const input = parsed.data;
  const selection = teamSelectionSchema.safeParse(
    input.teamsBy === 'area'
      ? { by: 'area', areaIds: input.areaIds }
      : input.teamsBy === 'type'
        ? { by: 'type', teamTypes: input.teamTypes }
        : input.teamsBy === 'picked'
          ? { by: 'picked', teamIds: input.teamIds }
          : { by: input.teamsBy },
  );
  if (!selection.success) {
    return data({ message: null, fieldErrors: { teams: selection.error.issues[0]?.message ?? 'Choose the teams' } }, { status: 400 });
  }
  let roundId: number;
  try {
    const round = await createRoundForUser(getDb(), user, {
      name: input.name,
      questionnaireVersionId: input.questionnaireVersionId,
      dueDate: input.dueDate,
      teams: selection.data as TeamSelection,
      followsRoundId: input.subject === 'case' ? null : input.followsRoundId,
      subject: input.subject,
      repeatMonths: input.subject === 'case' ? input.repeatMonths : null,
    });
    roundId = round.id;
    if (input.subject === 'case') return redirect(`/review/rounds/${roundId}/cases`);
  } catch (error) {
    const refusal = formRefusal(error);
    for (const e of refusal.errors) fieldErrors[fieldOf(e.path)] ??= e.message;
    return data({ message: refusal.message, fieldErrors }, { status: refusal.status });
  }
  return redirect(`/review/rounds/${roundId}`);
}

const LABELS: Record<Field, string> = {
  name: 'name',
  questionnaireVersionId: 'questionnaireVersionId',
  dueDate: 'dueDate',
  followsRoundId: 'followsRoundId',
  teams: 'teams-all',
  subject: 'subject-team',
  repeatMonths: 'repeatMonths',
};

export default function NewRound() {
  const { versions, teams, teamCount, teamsByArea: pickByArea, pickArea, areas, teamTypes, rounds, follows, suggestedVersion } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const summaryRef = useRef<HTMLDivElement>(null);
  const fieldErrors: FieldErrors = actionData?.fieldErrors ?? {};
  const errorEntries = Object.entries(fieldErrors) as Array<[Field, string]>;
  useEffect(() => {
    if (actionData) summaryRef.current?.focus();
  }, [actionData]);
  const describedBy = (field: Field, hint?: string) => [hint, fieldErrors[field] ? `${field}-error` : null].filter(Boolean).join(' ') || undefined;
  const errorText = (field: Field) =>
    fieldErrors[field] ? (
      <p className="field-error" id={`${field}-error`}>
        <span className="visually-hidden">Error: </span>
        {fieldErrors[field]}
      </p>
    ) : null;
  const teamsByArea = areas.map((area) => ({ ...area, teams: teams.filter((t) => t.areaId === area.id) })).filter((area) => area.teams.length > 0);

  return (
    <>
      <p className="breadcrumbs">
        <Link to="/review">Review</Link> › New round
      </p>
      <h1>{follows ? `Next phase of ${follows.name}` : 'Create a round'}</h1>
      <p>
        Creating a round creates one response per team, for its manager to complete by the due date. A round that follows an earlier one is its next phase: each
        team’s response starts from its answers there, moved onto the chosen version, for the manager to confirm or change.
      </p>
      {actionData && (actionData.message || errorEntries.length) ? (
        <div className="error-summary" role="alert" tabIndex={-1} ref={summaryRef}>
          <h2>There is a problem</h2>
          {actionData.message ? <p>{actionData.message}</p> : null}
          <ul>
            {errorEntries.map(([field, message]) => (
              <li key={field}>
                <a href={`#${LABELS[field]}`}>{message}</a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {pickByArea ? (
        // Too many teams to list: picking them one by one goes an area at a time (the other choices need no list).
        <AreaPickerForm
          id="pickArea"
          label="Pick teams from an area"
          areas={areas}
          value={pickArea}
          button="List its teams"
          hidden={follows ? { follows: follows.id } : {}}
        />
      ) : null}
      <Form method="post" noValidate>
        <div className="field">
          <label htmlFor="name">Round name</label>
          <p className="hint" id="name-hint">
            For example “Phase 2: team self-assessment (February 2009)”.
          </p>
          {errorText('name')}
          <input
            id="name"
            name="name"
            type="text"
            maxLength={200}
            required
            aria-describedby={describedBy('name', 'name-hint')}
            aria-invalid={fieldErrors.name ? true : undefined}
          />
        </div>
        <fieldset>
          <legend>What the round is about</legend>
          {errorText('subject')}
          <div className="option">
            <label>
              <input type="radio" id="subject-team" name="subject" value="team" defaultChecked /> Each team: one return per team, completed by its manager
            </label>
          </div>
          <div className="option">
            <label>
              <input type="radio" name="subject" value="case" /> Sampled cases: a case-file audit, one audit per case, completed by auditors
            </label>
            <div className="suboptions field">
              <label htmlFor="repeatMonths">Repeats every (months, for an annual practice audit: 12)</label>
              {errorText('repeatMonths')}
              <input id="repeatMonths" name="repeatMonths" type="number" min={1} max={60} inputMode="numeric" aria-describedby={describedBy('repeatMonths')} />
            </div>
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor="followsRoundId">Follows an earlier round (next phase)</label>
          <p className="hint" id="followsRoundId-hint">
            Answers are carried forward from the chosen round. Questions the new version renamed follow their new name; removed ones stay in the earlier round;
            new ones start empty.
          </p>
          {errorText('followsRoundId')}
          <select
            id="followsRoundId"
            name="followsRoundId"
            defaultValue={follows?.id ?? ''}
            aria-describedby={describedBy('followsRoundId', 'followsRoundId-hint')}
          >
            <option value="">None: a first phase, every response starts empty</option>
            {rounds.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({r.title}, version {r.version}, due {formatDate(r.dueDate)})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="questionnaireVersionId">Questionnaire and version</label>
          <p className="hint" id="questionnaireVersionId-hint">
            A next phase uses the same questionnaire as the earlier round, in the same or a newer version.
          </p>
          {errorText('questionnaireVersionId')}
          <select
            id="questionnaireVersionId"
            name="questionnaireVersionId"
            defaultValue={suggestedVersion ?? ''}
            required
            aria-describedby={describedBy('questionnaireVersionId', 'questionnaireVersionId-hint')}
            aria-invalid={fieldErrors.questionnaireVersionId ? true : undefined}
          >
            <option value="">Choose a version</option>
            {versions.map((v) => (
              <option key={v.id} value={v.id}>
                {v.title}, version {v.version}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="dueDate">Due date</label>
          {errorText('dueDate')}
          <input
            id="dueDate"
            name="dueDate"
            type="date"
            required
            aria-describedby={describedBy('dueDate')}
            aria-invalid={fieldErrors.dueDate ? true : undefined}
          />
        </div>
        <fieldset aria-describedby={describedBy('teams', 'teams-hint')}>
          <legend>Teams</legend>
          <p className="hint" id="teams-hint">
            You can include the {teamCount.toLocaleString('en-GB')} team{teamCount === 1 ? '' : 's'} you review.
          </p>
          {errorText('teams')}
          <div className="option">
            <label>
              <input type="radio" id="teams-all" name="teamsBy" value="all" defaultChecked={!follows} /> All {teamCount.toLocaleString('en-GB')} teams
            </label>
          </div>
          <div className="option">
            <label>
              <input type="radio" name="teamsBy" value="earlier" defaultChecked={Boolean(follows)} /> The same teams as the earlier round
            </label>
          </div>
          <div className="option">
            <label>
              <input type="radio" name="teamsBy" value="area" /> By area
            </label>
            <ul className="choice-list suboptions" aria-label="Areas">
              {areas.map((a) => (
                <li key={a.id}>
                  <label>
                    <input type="checkbox" name="areaIds" value={a.id} /> {a.name}
                  </label>
                </li>
              ))}
            </ul>
          </div>
          <div className="option">
            <label>
              <input type="radio" name="teamsBy" value="type" /> By team type
            </label>
            <ul className="choice-list suboptions" aria-label="Team types">
              {teamTypes.map((t) => (
                <li key={t.value}>
                  <label>
                    <input type="checkbox" name="teamTypes" value={t.value} /> {t.label}
                  </label>
                </li>
              ))}
            </ul>
          </div>
          <div className="option">
            <label>
              <input type="radio" name="teamsBy" value="picked" /> Teams I pick
            </label>
            <div className="suboptions">
              {pickByArea && pickArea === null ? <p className="hint">Choose an area above (“Pick teams from an area”) to list its teams.</p> : null}
              {teamsByArea.map((area) => (
                <fieldset key={area.id}>
                  <legend>{area.name}</legend>
                  <ul className="choice-list choice-columns">
                    {area.teams.map((t) => (
                      <li key={t.id}>
                        <label>
                          <input type="checkbox" name="teamIds" value={t.id} /> {t.name}
                        </label>
                      </li>
                    ))}
                  </ul>
                </fieldset>
              ))}
            </div>
          </div>
        </fieldset>
        <div className="button-row">
          <button type="submit" className="button" disabled={navigation.state === 'submitting'}>
            {navigation.state === 'submitting' ? 'Creating the round…' : 'Create round'}
          </button>
          <Link to="/review">Cancel</Link>
        </div>
      </Form>
    </>
  );
}
