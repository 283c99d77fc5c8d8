import type { Executor } from '../../db/index';
import { jsonb } from '../../db/json';

export type AuditEntry = {
  actorId: number | null;
  action: string;
  entityType: string;
  entityId?: string | number | null;
  details?: Record<string, unknown>;
};

/** Appends an audit event (the table refuses updates and deletes). Call it inside the transaction of the change. */
export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      actor_id: entry.actorId,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId == null ? null : String(entry.entityId),
      details: jsonb(entry.details ?? {}),
    })
    .execute();
}
