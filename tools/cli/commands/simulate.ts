/**
 * `o365-pipeline simulate`: a simulated tenant for local runs and demos. Prints the connection
 * settings (with --json: one JSON object on the first line) and serves until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { UsageError, type CliIo, type Command } from '../command.js';
import { SCENARIO_NAMES, isScenarioName, startSimulator } from '../../simulator/index.js';
import type { StartSimulatorOptions } from '../../simulator/types.js';

const USAGE =
  'simulate [--port N] [--seed S] [--scenario NAME] [--tenants N] [--events-per-hour N] [--hours H] [--content-expiration-minutes M] [--json]';

function int(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got '${value}')`);
  }
  return n;
}

export function parseSimulateArgs(args: readonly string[]): {
  options: StartSimulatorOptions;
  json: boolean;
} {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        seed: { type: 'string' },
        scenario: { type: 'string' },
        tenants: { type: 'string' },
        'events-per-hour': { type: 'string' },
        hours: { type: 'string' },
        'content-expiration-minutes': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const scenario = values.scenario;
  if (scenario !== undefined && !isScenarioName(scenario)) {
    throw new UsageError(`--scenario must be one of ${SCENARIO_NAMES.join(', ')} (got '${scenario}')`);
  }
  const options: StartSimulatorOptions = {};
  const port = int('port', values.port, 0, 65535);
  const seed = int('seed', values.seed, 0, 2 ** 32 - 1);
  const tenants = int('tenants', values.tenants, 1, 50);
  const eventsPerHour = int('events-per-hour', values['events-per-hour'], 1, 1_000_000);
  const hours = int('hours', values.hours, 0, 168);
  // Documented 7 days, observed 14; up to 30 days.
  const expirationMinutes = int(
    'content-expiration-minutes',
    values['content-expiration-minutes'],
    1,
    43_200,
  );
  if (port !== undefined) options.port = port;
  if (seed !== undefined) options.seed = seed;
  if (tenants !== undefined) options.tenants = tenants;
  if (eventsPerHour !== undefined) options.eventsPerHour = eventsPerHour;
  if (hours !== undefined) options.hours = hours;
  if (expirationMinutes !== undefined) options.contentExpirationMs = expirationMinutes * 60_000;
  if (scenario !== undefined) options.scenario = scenario;
  return { options, json: values.json };
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

export function createSimulateCommand(waitForStop: () => Promise<void> = untilSignal): Command {
  return {
    path: ['simulate'],
    summary: 'Serve a simulated Office 365 tenant (Management Activity API + Entra) over HTTPS',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const { options, json } = parseSimulateArgs(args);
      const sim = await startSimulator(options);
      try {
        const first = sim.tenants[0];
        const settings = {
          apiRoot: sim.apiRoot,
          loginAuthority: sim.loginAuthority,
          tenantId: first?.tenantId ?? '',
          clientId: first?.clientId ?? '',
          clientSecret: first?.clientSecret ?? '',
          caPath: sim.caPath,
        };
        if (json) {
          io.out(JSON.stringify(settings));
        } else {
          for (const [k, v] of Object.entries(settings)) io.out(`${k.padEnd(15)} ${v}`);
          for (const extra of sim.tenants.slice(1)) {
            io.out(`tenant          ${extra.tenantId} client ${extra.clientId} secret ${extra.clientSecret}`);
          }
          io.out('');
          io.out(`Trust the CA with NODE_EXTRA_CA_CERTS=${sim.caPath}; Ctrl+C stops the simulator.`);
        }
        await waitForStop();
      } finally {
        await sim.close();
      }
      io.err('simulate: stopped');
      return 0;
    },
  };
}

export const simulateCommand: Command = createSimulateCommand();
