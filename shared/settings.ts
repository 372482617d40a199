/**
 * The catalogue of app settings: one entry per environment variable the product reads.
 * `config.ts` validates them; its zod schema, the README table, `local.settings.example.json` and
 * the Bicep app settings are checked against this list by tests, so they cannot drift apart.
 */
export interface SettingSpec {
  key: string;
  /** Default as the user would write it; undefined = no default. */
  default?: string;
  required?: boolean;
  secret?: boolean;
  /** Placeholder for `local.settings.example.json` when there is no default. */
  example?: string;
  description: string;
}

export const SETTINGS: readonly SettingSpec[] = [
  {
    key: 'O365_TENANT_ID',
    required: true,
    example: '00000000-0000-0000-0000-000000000000',
    description: 'Entra tenant GUID whose audit logs are collected ("Azure Active Directory ID").',
  },
  {
    key: 'O365_CLIENT_ID',
    required: true,
    example: '00000000-0000-0000-0000-000000000000',
    description: 'Client (application) id of the app registration.',
  },
  {
    key: 'O365_CLIENT_SECRET',
    secret: true,
    example: '',
    description: 'Client secret (at least 6 characters). In Azure: a Key Vault reference.',
  },
  {
    key: 'O365_CERTIFICATE_PATH',
    example: '',
    description: 'Path of a PEM file holding the private key and the certificate.',
  },
  {
    key: 'O365_CERTIFICATE_PEM',
    secret: true,
    example: '',
    description: 'The same PEM inline (private key + certificate). In Azure: a Key Vault reference.',
  },
  {
    key: 'O365_CERTIFICATE_PASSWORD',
    secret: true,
    example: '',
    description: 'Passphrase of an encrypted private key (at least 6 characters).',
  },
  {
    key: 'O365_AUTH_MODE',
    example: '',
    description:
      '`secret` | `certificate` | `federated` | `refreshToken`; inferred from the credentials when empty.',
  },
  {
    key: 'O365_FEDERATED_IDENTITY_CLIENT_ID',
    example: '',
    description:
      'Client id of the user-assigned managed identity whose token is the client assertion (`federated` mode).',
  },
  {
    key: 'O365_REFRESH_TOKEN',
    secret: true,
    example: '',
    description: 'Refresh token of a delegated admin sign-in (`refreshToken` mode; at least 6 characters).',
  },
  {
    key: 'O365_CLOUD',
    default: 'commercial',
    description:
      '`commercial` | `gcc` | `gcchigh` | `dod` | `china`: API root, login authority and token scope.',
  },
  {
    key: 'O365_API_ROOT',
    example: '',
    description: 'Override of the API root (https origin), e.g. `https://manage.office.com`.',
  },
  {
    key: 'O365_LOGIN_AUTHORITY',
    example: '',
    description: 'Override of the login host (https origin), e.g. `https://login.microsoftonline.com`.',
  },
  {
    key: 'O365_PUBLISHER_ID',
    example: '',
    description: '`PublisherIdentifier` sent on every call; defaults to the tenant id.',
  },
  {
    key: 'O365_CONTENT_TYPES',
    default: 'Audit.AzureActiveDirectory,Audit.Exchange,Audit.SharePoint,Audit.General,DLP.All',
    description: 'Content types to collect (CSV).',
  },
  {
    key: 'O365_AUTO_SUBSCRIBE',
    default: 'true',
    description:
      'Start a missing or disabled subscription (AF20022/AF20023), at most once per 15 minutes per type.',
  },
  {
    key: 'O365_ENUMERATE_SCHEDULE',
    default: '0 */5 * * * *',
    description: 'NCRONTAB schedule of the enumerator (UTC).',
  },
  {
    key: 'O365_ENUMERATE_BUDGET_SECONDS',
    default: '240',
    description: 'Time budget of one enumerator run; the rest continues next run. 10–1500.',
  },
  { key: 'O365_INITIAL_LOOKBACK_HOURS', default: '8', description: 'First-run look-back in hours, 1–167.' },
  { key: 'O365_WINDOW_MINUTES', default: '240', description: 'Listing window size in minutes, 1–1440.' },
  {
    key: 'O365_PADDING_MINUTES',
    default: '60',
    description: 'Trailing re-list of recent windows to catch late-listed content, 0–1440 minutes.',
  },
  {
    key: 'O365_MAX_CONTENT_PER_RUN',
    default: '500',
    description: 'Content blobs enqueued per content type per run, 1–100000.',
  },
  {
    key: 'O365_MAX_REQUESTS_PER_MINUTE',
    default: '1500',
    description: 'Client-side request budget per tenant (the API allows about 2000), 1–60000.',
  },
  {
    key: 'O365_FILTER_OPERATIONS',
    example: '',
    description: 'Operations to filter (CSV, case-insensitive).',
  },
  {
    key: 'O365_FILTER_STATUSES',
    example: '',
    description: '`ResultStatus` values to filter (CSV, case-insensitive).',
  },
  {
    key: 'O365_FILTER_POLICIES',
    example: '',
    description: 'DLP policy names to filter (CSV, case-insensitive).',
  },
  {
    key: 'O365_FILTER_MODE',
    default: 'exclude',
    description: '`exclude` drops matching records; `include` keeps only matching records.',
  },
  {
    key: 'O365_MASK_FINDINGS',
    default: 'true',
    description: 'Mask DLP sensitive findings before anything is written or logged.',
  },
  {
    key: 'O365_MASK_STYLE',
    default: 'redact',
    description: '`redact` | `partial` (keep last 4) | `hash` (HMAC-SHA256 with `O365_MASK_HASH_KEY`).',
  },
  {
    key: 'O365_MASK_HASH_KEY',
    secret: true,
    example: '',
    description: 'HMAC key for `hash` masking (at least 16 characters).',
  },
  {
    key: 'O365_ENTITY_KEYS',
    example: '',
    description: 'Audit.General entity types (CSV) that each become an additional event.',
  },
  { key: 'O365_PRODUCT_FIELD', default: 'Workload', description: 'Record field that fills `product`.' },
  { key: 'O365_EVENT_FIELD', default: 'Operation', description: 'Record field that fills `eventName`.' },
  {
    key: 'O365_ENVIRONMENT_FIELD',
    example: '',
    description: 'Record field that fills `environment` (through the regex).',
  },
  {
    key: 'O365_ENVIRONMENT_REGEX',
    default: '.*',
    description:
      'Regex applied to the environment field; the first capture group (or the match) is the environment.',
  },
  {
    key: 'O365_DEFAULT_ENVIRONMENT',
    default: 'default',
    description: 'Environment when the field is missing or does not match.',
  },
  {
    key: 'O365_QUEUE_NAME',
    default: 'o365-content',
    description: 'Content queue; its poison queue is `<name>-poison`.',
  },
  { key: 'O365_CHECKPOINT_TABLE', default: 'o365checkpoints', description: 'Checkpoint table.' },
  {
    key: 'O365_LEDGER_TABLE',
    default: 'o365ledger',
    description: 'Ledger table (one row per content blob).',
  },
  {
    key: 'O365_EVENT_ID_TABLE',
    default: 'o365eventids',
    description:
      'Event-Id claim table: one row per event Id for 10 days, so an event re-delivered in another blob is written once.',
  },
  {
    key: 'O365_TENANT_TABLE',
    default: 'o365tenants',
    description:
      'Tenant registry table: tenants onboarded while running (admin consent, `tenants add`); its enabled rows are collected too.',
  },
  {
    key: 'O365_OUTPUT_CONTAINER',
    default: 'o365-events',
    description: 'Output container for normalized events.',
  },
  {
    key: 'O365_OUTPUT_CONNECTION',
    default: 'AzureWebJobsStorage',
    description: 'Name of the connection setting (or `__` prefix) for output storage.',
  },
  {
    key: 'O365_WEBHOOK_AUTH_ID',
    secret: true,
    example: '',
    description: 'Expected `Webhook-AuthID` header on notifications (at least 16 characters).',
  },
  {
    key: 'O365_CONSENT_SIGNING_KEY',
    secret: true,
    example: '',
    description:
      'HMAC key (at least 32 characters) that signs the `state` of admin-consent links and checks it at `GET /api/consent`; unset = onboarding by consent off. In Azure: a Key Vault reference.',
  },
  {
    key: 'O365_VERIFY_TLS',
    default: 'true',
    description:
      'Verify TLS certificates. `false` logs a warning at every cold start; prefer `NODE_EXTRA_CA_CERTS`.',
  },
  {
    key: 'HTTPS_PROXY',
    secret: true,
    example: '',
    description: 'Proxy URL for API and login calls (credentials may be in the URL).',
  },
  {
    key: 'NO_PROXY',
    example: '',
    description: 'Hosts that bypass the proxy (CSV; `.suffix` matches subdomains).',
  },
  {
    key: 'AzureWebJobsStorage',
    required: true,
    secret: true,
    example: 'UseDevelopmentStorage=true',
    description:
      'Connection string, `UseDevelopmentStorage=true`, or identity-based `AzureWebJobsStorage__*` settings.',
  },
];

export const SETTING_KEYS: readonly string[] = SETTINGS.map((s) => s.key);
export const SECRET_KEYS: ReadonlySet<string> = new Set(SETTINGS.filter((s) => s.secret).map((s) => s.key));
