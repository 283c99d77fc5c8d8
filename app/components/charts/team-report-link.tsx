import { Link } from '@remix-run/react';

/** A team's name, linked to its report when the reviewer may open one (reportLinks maps team id to response id). */
export function TeamReportLink({ teamId, teamName, reportLinks }: { teamId: number; teamName: string; reportLinks?: Map<number, number> }) {
  const responseId = reportLinks?.get(teamId);
  return responseId ? <Link to={`/review/responses/${responseId}/report`}>{teamName}</Link> : <>{teamName}</>;
}
