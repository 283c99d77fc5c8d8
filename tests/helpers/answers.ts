import type { Executor } from '../../db/index';
import { answerCells, type AnswerCell } from '../../app/models/answers.server';
import { getQuestionnaireVersion } from '../../app/models/questionnaires.server';

const line = (c: AnswerCell) => `${c.question}|${c.row_key}|${c.column_key}|${c.topic}|${c.value_type}|${c.value_numeric}|${c.value_text}|${c.value_choice}`;

/**
 * A response's answers rows as sorted lines (`actual`), beside the lines its data says it should have (`expected`),
 * with the rows and the response themselves for further checks.
 */
export async function answerRowsOf(db: Executor, responseId: number) {
  const response = await db.selectFrom('responses').selectAll().where('id', '=', responseId).executeTakeFirstOrThrow();
  const version = await getQuestionnaireVersion(db, response.questionnaire_version_id);
  const expected = [...version.catalogue.values()]
    .flatMap((q) => answerCells(q, response.data))
    .map(line)
    .sort();
  const rows = await db.selectFrom('answers').selectAll().where('response_id', '=', responseId).execute();
  return { expected, actual: rows.map(line).sort(), rows, response };
}
