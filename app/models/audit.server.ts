import type { Executor } from '../../db/index';
import { jsonb } from '../../db/json';
import { currentRequestOrigin } from '~/utils/request-context.server';

export type AuditEntry = {
  actorId: number | null;
  action: string;
  entityType: string;
  entityId?: string | number | null;
  details?: Record<string, unknown>;
};

/**
 * Appends an audit event (the table refuses updates and deletes). Call it inside the transaction of the change.
 * The client's address and User-Agent come from the request being served (app/utils/request-context.server.ts);
 * outside a request (the command line, the seed) there are none.
 */
export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  const origin = currentRequestOrigin();
  await db
    .insertInto('audit_events')
    .values({
      actor_id: entry.actorId,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId == null ? null : String(entry.entityId),
      details: jsonb(entry.details ?? {}),
      address: origin?.address ?? null,
      user_agent: origin?.userAgent ?? null,
    })
    .execute();
}

/** What an export holds: a round's answers, the round overview's table, a case round's figures, the audit trail, the action register. */
export type ExportKind = 'answers' | 'round-overview' | 'case-figures' | 'audit-trail' | 'actions';

/**
 * A download in the audit trail (action `export`): what it held, of which record (the round, or the audit trail), in
 * which form and format, with the filters it was asked with. Recorded once the request has passed its checks and
 * before the file is sent, so a refused request leaves no event and a download cut short still does.
 */
export async function recordExport(
  db: Executor,
  actorId: number,
  file: { kind: ExportKind; entityType: string; entityId?: number | null; format: 'csv' | 'xlsx'; form?: string; filters?: Record<string, unknown> },
): Promise<void> {
  const filters = Object.fromEntries(Object.entries(file.filters ?? {}).filter(([, value]) => value !== undefined && value !== null && value !== ''));
  await recordAudit(db, {
    actorId,
    action: 'export',
    entityType: file.entityType,
    entityId: file.entityId ?? null,
    details: { kind: file.kind, format: file.format, ...(file.form ? { form: file.form } : {}), ...(Object.keys(filters).length ? { filters } : {}) },
  });
}
