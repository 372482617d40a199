/**
 * Entity events for Audit.General records (O365_ENTITY_KEYS; reference §12.4): alerts and AIR
 * investigations carry entities (mailbox, mailMessage, url, ip, file, ...) in `Data` (JSON sent as
 * text), in `Entities`, and in `Actions[].Entities`. Each entity whose `Type` is configured becomes
 * one more event, linked to its record by `parentId`.
 *
 * `$id`/`$ref` are .NET reference-preserving serialisation: a `{"$ref": "3"}` element stands for
 * the element declared earlier with `"$id": "3"` in the same document. The declaration is the one
 * emitted; a reference to it is skipped, so an entity is never emitted twice. `Data` is its own
 * document; the record's `Entities` and `Actions` share one.
 */
import { createHash } from 'node:crypto';
import type { NormalizedEvent } from '../schema/normalized-event.js';
import { isJsonObject, readJsonish } from './fields.js';
import { normalizeRecord, type NormalizeContext } from './normalize.js';
import type { AuditRecord } from './parse.js';

export interface FoundEntity {
  /** Deterministic: same record, same entity → same id, so reprocessing writes the same bytes. */
  id: string;
  parentId: string | null;
  type: string;
  /** e.g. `Data.Entities[2]`, `Entities[0]`, `Actions[1].Entities[0]`. */
  path: string;
  refId: string | null;
  entity: Record<string, unknown>;
}

export interface EntityScan {
  entities: FoundEntity[];
  /** Problems met (broken Data JSON, unresolved `$ref`); the scan itself never throws. */
  errors: string[];
}

const refIdOf = (e: Record<string, unknown>): string | null =>
  typeof e.$id === 'string' || typeof e.$id === 'number' ? String(e.$id) : null;

function entityId(parentId: string | null, path: string, refId: string | null, entity: unknown): string {
  const h = createHash('sha256').update(`${parentId ?? ''}\n${path}\n${refId ?? ''}`);
  // Without a parent Id, path and $id repeat across records; the content keeps the id distinct.
  if (parentId === null) h.update(`\n${JSON.stringify(entity)}`);
  return h.digest('hex').slice(0, 32);
}

/** Find the configured entities of a record (any content type; the caller decides when to ask). */
export function findEntities(record: AuditRecord, entityKeys: readonly string[]): EntityScan {
  const scan: EntityScan = { entities: [], errors: [] };
  const wanted = new Set(entityKeys.map((k) => k.trim().toLowerCase()).filter((k) => k !== ''));
  if (wanted.size === 0) return scan;
  const parentId = typeof record.Id === 'string' && record.Id !== '' ? record.Id : null;

  const visitList = (list: unknown, path: string, declared: Set<string>): void => {
    if (!Array.isArray(list)) return;
    list.forEach((element: unknown, i) => {
      if (!isJsonObject(element)) return;
      const at = `${path}[${i}]`;
      if (typeof element.$ref === 'string' || typeof element.$ref === 'number') {
        if (!declared.has(String(element.$ref))) {
          scan.errors.push(`${at} refers to $id ${String(element.$ref)}, which is not declared before it`);
        }
        return;
      }
      const refId = refIdOf(element);
      if (refId !== null) declared.add(refId);
      const type = element.Type;
      if (typeof type !== 'string' || !wanted.has(type.trim().toLowerCase())) return;
      scan.entities.push({
        id: entityId(parentId, at, refId, element),
        parentId,
        type,
        path: at,
        refId,
        entity: element,
      });
    });
  };

  // The record document: Actions come before Entities in the API's serialisation order, and
  // Actions' own ResourceIdentifiers declare $ids too, so collect declarations as we go.
  const recordDoc = new Set<string>();
  if (Array.isArray(record.Actions)) {
    record.Actions.forEach((action: unknown, i) => {
      if (!isJsonObject(action)) return;
      const refId = refIdOf(action);
      if (refId !== null) recordDoc.add(refId);
      visitList(action.Entities, `Actions[${i}].Entities`, recordDoc);
    });
  }
  visitList(record.Entities, 'Entities', recordDoc);

  if (record.Data !== undefined && record.Data !== null) {
    const data = readJsonish(record.Data);
    if (!data.ok) scan.errors.push(`Data ${data.problem}`);
    else if (isJsonObject(data.value)) visitList(data.value.Entities, 'Data.Entities', new Set());
  }
  return scan;
}

/**
 * One NormalizedEvent per configured entity of an Audit.General record. The event carries the
 * parent's common fields, its own deterministic `id`, `parentId`, `entity` {type, path, refId}, and
 * the entity object (already masked with its record) as `raw`. Scan problems go to `errors`.
 */
export function extractEntityEvents(
  record: AuditRecord,
  entityKeys: readonly string[],
  ctx: NormalizeContext,
): NormalizedEvent[] {
  if (ctx.contentType !== 'Audit.General' || entityKeys.length === 0) return [];
  const scan = findEntities(record, entityKeys);
  if (scan.entities.length === 0) return [];
  const parent = normalizeRecord(record, ctx);
  return scan.entities.map((found) => {
    const event: NormalizedEvent = {
      ...parent,
      id: found.id,
      dlp: null,
      parentId: found.parentId,
      entity: { type: found.type, path: found.path, refId: found.refId },
      raw: found.entity,
    };
    delete event.errors;
    const errors = [...(parent.errors ?? []), ...scan.errors];
    if (errors.length > 0) event.errors = errors;
    return event;
  });
}
