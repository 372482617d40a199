/**
 * The API's error table: code → HTTP status and the message text the service sends (verbatim
 * from the reference, typos included). Statuses not confirmed by Microsoft are our choices and
 * follow what mature clients expect (see docs/simulator.md).
 */
export type AfCode =
  | 'AF10001'
  | 'AF20001'
  | 'AF20002'
  | 'AF20010'
  | 'AF20020'
  | 'AF20021'
  | 'AF20022'
  | 'AF20023'
  | 'AF20024'
  | 'AF20031'
  | 'AF20050'
  | 'AF20051'
  | 'AF20052'
  | 'AF20053'
  | 'AF20054'
  | 'AF20055'
  | 'AF429'
  | 'AF50000';

const TABLE: Record<AfCode, { status: number; message: (...args: string[]) => string }> = {
  AF10001: {
    status: 401,
    message: (perms = '') =>
      `The permission set (${perms}) sent in the request did not include the expected permission ActivityFeed.Read.`,
  },
  AF20001: { status: 400, message: (name = '') => `Missing parameter: ${name}.` },
  AF20002: {
    status: 400,
    message: (name = '', type = '') => `Invalid parameter type: ${name}. Expected type: ${type}`,
  },
  AF20010: {
    status: 401,
    message: (url = '', token = '') =>
      `The tenant ID passed in the URL (${url}) does not match the tenant ID passed in the access token (${token}).`,
  },
  AF20020: { status: 400, message: () => 'The specified content type is not valid.' },
  AF20021: {
    status: 400,
    message: (address = '', why = '') => `The webhook endpoint {${address}) could not be validated. ${why}`,
  },
  AF20022: { status: 400, message: () => 'No subscription found for the specified content type.' },
  AF20023: { status: 400, message: (by = 'a tenant admin') => `The subscription was disabled by ${by}.` },
  AF20024: { status: 400, message: () => 'The subscription is already enabled. No property change.' },
  AF20031: { status: 400, message: (token = '') => `Invalid nextPage Input: ${token}.` },
  AF20050: { status: 404, message: (id = '') => `The specified content (${id}) does not exist.` },
  AF20051: {
    status: 400,
    message: (id = '') =>
      `Content requested with the key ${id} has already expired. Content older than 7 days cannot be retrieved.`,
  },
  AF20052: { status: 400, message: (id = '') => `Content ID ${id} in the URL is invalid.` },
  AF20053: { status: 400, message: () => 'Only one language may be present in the Accept-Language header.' },
  AF20054: { status: 400, message: () => 'Invalid syntax in Accept-Language header.' },
  AF20055: {
    status: 400,
    message: () =>
      'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time prior to end time and start time no more than 7 days in the past.',
  },
  AF429: {
    status: 403,
    message: (method = '', publisher = '') => `Too many requests. Method=${method}, PublisherId=${publisher}`,
  },
  AF50000: { status: 500, message: () => 'An internal error occurred. Retry the request.' },
};

/** A decision to answer with an AF error; routes return it, the server writes it. */
export class AfError {
  readonly status: number;
  readonly body: { error: { code: string; message: string } };
  constructor(
    readonly code: AfCode,
    args: string[] = [],
    status?: number,
    readonly headers: Record<string, string> = {},
  ) {
    const entry = TABLE[code];
    this.status = status ?? entry.status;
    this.body = { error: { code, message: entry.message(...args) } };
  }
}
