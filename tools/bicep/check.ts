/**
 * CI checks for the Bicep under infra/, without the Bicep compiler: every file is parsed with the
 * tree-sitter-bicep grammar (web-tree-sitter + the grammar's .wasm) and the project rules are
 * evaluated on the syntax tree, not on the raw text.
 *
 *  1. syntax          every .bicep file parses with no ERROR or missing node            (rules.ts)
 *  2. app settings    the keys of the function app's `appsettings` object equal the keys of
 *                     shared/settings.ts (minus AzureWebJobsStorage) plus the host settings (rules.ts)
 *  3. legacy Flex     no setting Flex Consumption rejects (FUNCTIONS_WORKER_RUNTIME, …)    (rules.ts)
 *  4. secrets         no listKeys()/key properties, no AccountKey=/bare account key/SAS/
 *                     private-key/client-secret literal, secret settings only Key Vault
 *                     references or empty, no secure parameter with a value in the repo  (secrets.ts)
 *  5. defaults        the parameter behind each product setting has the code's default    (rules.ts)
 *  6. structure       Flex plan/app shape, storage/Key Vault/Log Analytics/App Insights
 *                     hardening (structure.ts), the role assignments the app needs on their
 *                     narrowest scopes (roles.ts), resource logs, output protection,
 *                     publishing credentials, fixed settings, private networking, and
 *                     main.parameters.json reading azd environment values (hardening.ts)
 *
 * Every check returns findings (`file:row:col: [check] message`, 1-based) instead of throwing, so
 * tests can assert on them and the CLI (`node dist/tools/bicep/check.js [infraDir]`) prints them all.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS, type SettingSpec } from '../../shared/settings.js';
import { formatFinding, loadInfra, type Finding } from './ast.js';
import { checkAppSettingKeys, checkForbiddenSettings, checkParamDefaults, checkSyntax } from './rules.js';
import { checkAzdParameters } from './hardening.js';
import { checkNoSecrets } from './secrets.js';
import { checkStructure } from './structure.js';

export {
  formatFinding,
  loadBicepParser,
  loadInfra,
  parseBicep,
  type BicepFile,
  type Finding,
} from './ast.js';
export { findAppSettings, type AppSetting, type AppSettingsObject } from './app-settings.js';
export {
  checkAppSettingKeys,
  checkForbiddenSettings,
  checkParamDefaults,
  checkSyntax,
  DERIVED_SETTINGS,
  expectedAppSettingKeys,
  FORBIDDEN_FLEX_SETTINGS,
  HOST_SETTINGS,
  REPLACED_SETTINGS,
} from './rules.js';
export { checkAzdParameters, FIXED_DEPLOYED_SETTINGS, REQUIRED_LOGS } from './hardening.js';
export { checkNoSecrets } from './secrets.js';
export { checkStructure, REQUIRED_ROLES } from './structure.js';

/** Runs every check on `infraDir` (its .bicep files and main.parameters.json). */
export async function checkInfra(
  infraDir: string,
  settings: readonly SettingSpec[] = SETTINGS,
): Promise<Finding[]> {
  const files = await loadInfra(infraDir);
  if (files.length === 0) {
    return [{ check: 'syntax', file: infraDir, row: 0, column: 0, message: 'no .bicep files found' }];
  }
  const paramsPath = path.join(infraDir, 'main.parameters.json');
  const parametersJson = {
    display: path
      .relative(path.dirname(path.resolve(infraDir)), paramsPath)
      .split(path.sep)
      .join('/'),
    text: await readFile(paramsPath, 'utf8'),
  };
  return [
    ...checkSyntax(files),
    ...checkAppSettingKeys(files, settings),
    ...checkForbiddenSettings(files),
    ...checkNoSecrets(files, settings, parametersJson),
    ...checkParamDefaults(files, settings),
    ...checkStructure(files),
    ...checkAzdParameters(parametersJson),
  ];
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? 'infra';
  const findings = await checkInfra(dir);
  for (const f of findings) console.error(formatFinding(f));
  console.log(
    findings.length === 0 ? `bicep check: ${dir} OK` : `bicep check: ${findings.length} finding(s)`,
  );
  process.exitCode = findings.length === 0 ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
