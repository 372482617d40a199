/** Tenant ids as the pipeline stores and compares them: lower-case GUIDs. */
import { InvalidInputError } from '../errors.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isTenantId(value: string): boolean {
  return GUID.test(value);
}

/**
 * The tenant id in canonical form (trimmed, lower case), or an `InvalidInputError` that shows
 * what was given and what is accepted. Entra ID reports tenant ids in either case.
 */
export function parseTenantId(value: string | null | undefined, what = 'tenant id'): string {
  const v = (value ?? '').trim();
  if (!GUID.test(v)) {
    const shown = v.length > 60 ? `${v.slice(0, 57)}...` : v;
    throw new InvalidInputError(
      `${what} ${JSON.stringify(shown)} is not a GUID; accepted: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (the customer's Entra tenant id)`,
    );
  }
  return v.toLowerCase();
}
