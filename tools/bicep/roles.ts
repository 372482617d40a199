/**
 * The app identity's role assignments (part of check 6): exactly the roles of REQUIRED_ROLES, each
 * on the narrowest scope that works, `principalType: 'ServicePrincipal'`, and named
 * guid(<scope>.id, principalId, <role id>) so that no two assignments share a name.
 */
import { at, stringLiteral, type Finding } from './ast.js';
import { callArgs, expect, PRESENT, referenced, resolveString, valueAt, type Resource } from './resources.js';

const CONTAINER = 'Microsoft.Storage/storageAccounts/blobServices/containers';
const QUEUE = 'Microsoft.Storage/storageAccounts/queueServices/queues';
/** The Functions host's own containers (identity-based AzureWebJobsStorage). */
export const HOST_CONTAINERS: readonly string[] = ['azure-webjobs-hosts', 'azure-webjobs-secrets'];

export interface RequiredRole {
  role: string;
  /** Role definition id (Microsoft Learn, "Azure built-in roles"). */
  id: string;
  /** Type of the resource each assignment is scoped to. */
  scopeType: string;
  /**
   * How many assignments (one per scope): a number, or `perCreated` = one for each resource of
   * scopeType the templates create, minus `scopeNames` entries owned by another role.
   */
  count: number | 'perCreated';
  /** When set, each scope's name must be one of these string literals. */
  scopeNames?: readonly string[];
  why: string;
}

/** Roles the app's identity needs, each on the narrowest scope the app can work with. */
export const REQUIRED_ROLES: readonly RequiredRole[] = [
  {
    role: 'Storage Blob Data Owner',
    id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    scopeType: CONTAINER,
    count: 2,
    scopeNames: HOST_CONTAINERS,
    why: "the Functions host's containers only (timer locks, host lease, keys)",
  },
  {
    role: 'Storage Blob Data Contributor',
    id: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
    scopeType: CONTAINER,
    count: 'perCreated',
    why: "every container the templates create except the host's: the output and the deployment package, one assignment each",
  },
  {
    role: 'Storage Queue Data Contributor',
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    scopeType: QUEUE,
    count: 'perCreated',
    why: 'every queue the templates create (the content queue, its poison queue, ...), one assignment each',
  },
  {
    role: 'Storage Table Data Contributor',
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    scopeType: 'Microsoft.Storage/storageAccounts',
    count: 1,
    why: 'tables created at run time cannot be named in advance',
  },
  {
    role: 'Key Vault Secrets User',
    id: '4633458b-17de-408a-b874-0445c86b69e6',
    scopeType: 'Microsoft.KeyVault/vaults',
    count: 1,
    why: 'Key Vault references',
  },
  {
    role: 'Monitoring Metrics Publisher',
    id: '3913510d-42f4-4e42-8a64-420c390055eb',
    scopeType: 'Microsoft.Insights/components',
    count: 1,
    why: 'Entra-authenticated telemetry',
  },
];

/** Assignments expected for a role: its fixed count, or one per created resource of its scope type. */
function expectedCount(role: RequiredRole, all: readonly Resource[]): number {
  if (role.count !== 'perCreated') return role.count;
  const created = all.filter((r) => r.type === role.scopeType && !r.existing);
  const owned = REQUIRED_ROLES.filter((x) => x !== role && x.scopeType === role.scopeType).flatMap(
    (x) => x.scopeNames ?? [],
  );
  return created.filter((r) => {
    const name = stringLiteral(valueAt(r.body, 'name'));
    return name === undefined || !owned.includes(name);
  }).length;
}

export function checkRoleAssignments(all: readonly Resource[], out: Finding[]): void {
  const seen: { id: string; scope: string }[] = [];
  for (const r of all.filter((x) => x.type === 'Microsoft.Authorization/roleAssignments' && !x.existing)) {
    const label = `role assignment ${r.symbol}`;
    const nameNode = valueAt(r.body, 'name');
    const guidArgs = callArgs(nameNode, 'guid');
    if (!guidArgs || guidArgs.length !== 3) {
      out.push(
        at(
          'structure',
          r.file,
          nameNode ?? r.decl,
          `${label}: name must be guid(scope id, principalId, roleDefinitionId)`,
        ),
      );
    }
    expect(
      r,
      [
        ['properties.principalType', 'ServicePrincipal'],
        ['properties.principalId', PRESENT],
      ],
      out,
    );
    const defArgs = callArgs(valueAt(r.body, 'properties.roleDefinitionId'), 'subscriptionResourceId');
    const roleId = defArgs?.[1] ? resolveString(r.file, defArgs[1]) : undefined;
    const required = REQUIRED_ROLES.find((x) => x.id === roleId);
    if (!required) {
      out.push(
        at(
          'structure',
          r.file,
          valueAt(r.body, 'properties.roleDefinitionId') ?? r.decl,
          `${label}: role ${roleId ?? '(unresolved)'} is not one the app needs`,
        ),
      );
      continue;
    }
    // The third guid() argument must be the same role, so two roles never collide on one name.
    if (guidArgs?.[2] && resolveString(r.file, guidArgs[2]) !== required.id) {
      out.push(
        at(
          'structure',
          r.file,
          guidArgs[2],
          `${label}: guid() must include the role definition id ${required.id}`,
        ),
      );
    }
    const scopeNode = valueAt(r.body, 'scope');
    const scope = referenced(all, r, 'scope');
    // The first guid() argument must be the scope's id, so two scopes never collide on one name.
    if (guidArgs?.[0] && scopeNode && guidArgs[0].text !== `${scopeNode.text}.id`) {
      out.push(at('structure', r.file, guidArgs[0], `${label}: guid() must start with ${scopeNode.text}.id`));
    }
    if (scope?.type !== required.scopeType) {
      out.push(
        at(
          'structure',
          r.file,
          scopeNode ?? r.decl,
          `${label}: ${required.role} must be scoped to a ${required.scopeType} (${required.why})`,
        ),
      );
      continue;
    }
    const scopeName = valueAt(scope.body, 'name');
    if (required.scopeNames) {
      const literal = stringLiteral(scopeName);
      if (literal === undefined || !required.scopeNames.includes(literal))
        out.push(
          at(
            'structure',
            r.file,
            scopeNode ?? r.decl,
            `${label}: ${required.role} may only be scoped to ${required.scopeNames.join(', ')}, found ${scopeName?.text ?? '(no name)'}`,
          ),
        );
    }
    const scopeKey = `${scope.file.path}:${scope.symbol}`;
    if (seen.some((s) => s.id === required.id && s.scope === scopeKey))
      out.push(
        at('structure', r.file, r.decl, `${label}: ${required.role} is assigned twice on ${scope.symbol}`),
      );
    seen.push({ id: required.id, scope: scopeKey });
  }
  for (const role of REQUIRED_ROLES) {
    const n = seen.filter((s) => s.id === role.id).length;
    const expected = expectedCount(role, all);
    if (n !== expected)
      out.push({
        check: 'structure',
        file: '(infra)',
        row: 0,
        column: 0,
        message: `${role.role} must be assigned ${expected === 1 ? 'exactly once' : `exactly ${expected} times`} (${role.why}), found ${n}`,
      });
  }
}
