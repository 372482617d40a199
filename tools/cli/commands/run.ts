import { runPipeline } from '../../runner/run.js';
import type { Command } from '../command.js';
import { parse } from '../context.js';

export const runCommand: Command = {
  path: ['run'],
  summary:
    'Run the whole pipeline locally (embedded Azurite; the simulated tenant when no credentials are set)',
  usage: 'run [--once] [--verbose] [--in-memory]',
  async run(args, io) {
    const { values } = parse(args, {
      once: { type: 'boolean' },
      verbose: { type: 'boolean' },
      'in-memory': { type: 'boolean' },
    });
    const abort = new AbortController();
    const stop = () => {
      io.err('o365-pipeline: stopping after in-flight work...');
      abort.abort();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const result = await runPipeline({
        once: values.once === true,
        cwd: io.cwd,
        env: io.env,
        out: io.out,
        err: io.err,
        tty: process.stdout.isTTY === true && values.verbose !== true,
        verbose: values.verbose,
        signal: abort.signal,
        dataDir: values['in-memory'] ? null : undefined,
      });
      return result.exitCode;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};
