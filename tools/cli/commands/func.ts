/**
 * `o365-pipeline func`: the app under the real Functions host (`func start` from Core Tools v4),
 * in the environment `run` prepares: the embedded Azurite (started or reused) with the queues,
 * tables and container created, and the simulated tenant when no credentials are configured.
 * Core Tools v4 lets real environment variables win over local.settings.json Values, so the host
 * gets only what differs from the settings as environment variables (Azurite's connection string,
 * the simulated tenant) and reads the rest from local.settings.json itself.
 */
import { spawn } from 'node:child_process';
import {
  accessSync,
  constants as fsConstants,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../shared/logger.js';
import { createRuntime, ensureStorage } from '../../../shared/runtime.js';
import { prepareLocalEnvironment, type LocalEnvironment } from '../../runner/environment.js';
import type { Command } from '../command.js';

const NOT_FOUND =
  "'func' (Azure Functions Core Tools v4) is not on PATH. Install it " +
  '(https://learn.microsoft.com/azure/azure-functions/functions-run-local#install-the-azure-functions-core-tools, ' +
  "e.g. 'npm install -g azure-functions-core-tools@4') and try again. " +
  "'npm start' runs the same pipeline without Core Tools.";

/** The executable `name` on the PATH of `env` (with PATHEXT on Windows), or undefined. */
export function findOnPath(name: string, env: Record<string, string | undefined>): string | undefined {
  const windows = process.platform === 'win32';
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter((d) => d !== '');
  const exts = windows ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter((e) => e !== '') : [''];
  for (const dir of dirs)
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      try {
        accessSync(file, windows ? fsConstants.F_OK : fsConstants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  return undefined;
}

/**
 * The host's environment: the caller's, plus every setting the preparation changed (Azurite's
 * connection string in place of `UseDevelopmentStorage=true` or nothing, the simulated tenant's
 * O365_* settings) and, with the simulator, NODE_EXTRA_CA_CERTS so the Node worker trusts its CA.
 */
export function hostEnvironment(
  callerEnv: Record<string, string | undefined>,
  local: Pick<LocalEnvironment, 'env' | 'settings'>,
  caFile?: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(callerEnv)) if (v !== undefined) env[k] = v;
  for (const [k, v] of Object.entries(local.env)) if (v !== undefined && local.settings[k] !== v) env[k] = v;
  if (caFile) env.NODE_EXTRA_CA_CERTS = caFile;
  return env;
}

/** The simulator's CA in a file for NODE_EXTRA_CA_CERTS, after any CA file the settings already name (it takes one file). */
function writeCaFile(dir: string, caPem: string, existing: string | undefined): string {
  const parts = [caPem];
  if (existing && existsSync(existing)) parts.unshift(readFileSync(existing, 'utf8'));
  const file = path.join(dir, 'ca.pem');
  writeFileSync(file, parts.map((p) => p.trim()).join('\n') + '\n');
  return file;
}

export const funcCommand: Command = {
  path: ['func'],
  summary:
    'Run the app under the real Functions host (func start, Core Tools v4) with the environment of run: embedded Azurite, the simulated tenant when no credentials are set',
  usage:
    'func [-- <func start options>]\n\n' +
    'Prepares what run prepares (settings from the environment, then local.settings.json; the embedded\n' +
    'Azurite in .azurite/, started or reused; queues, tables and container; the simulated tenant when no\n' +
    'credentials are set), then runs `func start` with the options given after --. The host gets\n' +
    "Azurite's connection string when AzureWebJobsStorage is UseDevelopmentStorage=true or unset, the\n" +
    "simulated tenant's O365_* settings and NODE_EXTRA_CA_CERTS for its CA. SIGINT and SIGTERM go to\n" +
    'func; when it exits, what this command started is stopped and its exit code is returned.\n' +
    "Needs 'func' on PATH; 'npm start' runs the same pipeline without Core Tools.",
  async run(args, io) {
    const extra = args[0] === '--' ? args.slice(1) : [...args];
    const func = findOnPath('func', io.env);
    if (!func) throw new Error(NOT_FOUND);

    // A signal before func runs: finish preparing, start nothing, clean up.
    let child: ReturnType<typeof spawn> | undefined;
    let early: NodeJS.Signals | undefined;
    // From a terminal, Ctrl-C reaches func directly too (same process group); the host treats a
    // second SIGINT like the first. Passing it on covers signals sent to this process alone.
    const forward = (signal: NodeJS.Signals) => {
      if (child) child.kill(signal);
      else early ??= signal;
    };
    const onInt = () => forward('SIGINT');
    const onTerm = () => forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    let caDir: string | undefined;
    let local: LocalEnvironment | undefined;
    try {
      local = await prepareLocalEnvironment({ cwd: io.cwd, env: io.env, needs: 'api' });
      for (const note of local.notes) io.err(`o365-pipeline: ${note}`);
      const logger = createLogger((level, line) => {
        if (level === 'warn' || level === 'error') io.err(line);
      });
      await ensureStorage(createRuntime({ env: local.env, extraCaPem: local.extraCaPem, logger }));
      let caFile: string | undefined;
      if (local.extraCaPem) {
        caDir = mkdtempSync(path.join(tmpdir(), 'o365-func-ca-'));
        caFile = writeCaFile(caDir, local.extraCaPem, local.env.NODE_EXTRA_CA_CERTS);
      }
      if (early) return 128 + (osConstants.signals[early] ?? 0);
      const env = hostEnvironment(io.env, local, caFile);
      io.err(`o365-pipeline: ${[func, 'start', ...extra].join(' ')}`);
      // A .cmd shim (npm's install on Windows) only starts through a shell.
      const shell = process.platform === 'win32' && /\.(cmd|bat)$/i.test(func);
      const started = spawn(func, ['start', ...extra], { cwd: io.cwd, env, stdio: 'inherit', shell });
      child = started;
      return await new Promise<number>((resolve, reject) => {
        started.once('error', (err) => reject(new Error(`could not start ${func}: ${err.message}`)));
        started.once('exit', (code, signal) =>
          resolve(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)),
        );
      });
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      await local?.close();
      if (caDir) rmSync(caDir, { recursive: true, force: true });
    }
  },
};
