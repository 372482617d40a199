/** Dispatcher of the `o365-pipeline` CLI: picks the command by its words, prints usage on errors. */
import { UsageError, type CliIo, type Command } from './command.js';
import { COMMANDS } from './commands/index.js';

function helpText(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length), 4);
  const lines = commands.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
  return [
    'Usage: o365-pipeline <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Every command reads the same settings as the functions: the environment, then local.settings.json.',
    "Run 'o365-pipeline <command> --help' for a command's options.",
  ].join('\n');
}

export function findCommand(
  argv: readonly string[],
  commands: readonly Command[] = COMMANDS,
): { command: Command; rest: string[] } | undefined {
  let best: Command | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best ? { command: best, rest: argv.slice(best.path.length) } : undefined;
}

export async function main(argv: readonly string[], io?: Partial<CliIo>): Promise<number> {
  const fullIo: CliIo = {
    out: io?.out ?? ((t) => process.stdout.write(`${t}\n`)),
    err: io?.err ?? ((t) => process.stderr.write(`${t}\n`)),
    env: io?.env ?? process.env,
    cwd: io?.cwd ?? process.cwd(),
  };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    fullIo.out(helpText(COMMANDS));
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    fullIo.err(`o365-pipeline: unknown command '${argv.join(' ')}'\n\n${helpText(COMMANDS)}`);
    return 2;
  }
  const { command, rest } = found;
  // After `--` the arguments belong to another program (`func -- --help` is func's help).
  const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (own.includes('--help') || own.includes('-h')) {
    fullIo.out(`${command.summary}\n\nUsage: o365-pipeline ${command.usage}`);
    return 0;
  }
  try {
    return await command.run(rest, fullIo);
  } catch (err) {
    if (err instanceof UsageError) {
      fullIo.err(
        `o365-pipeline ${command.path.join(' ')}: ${err.message}\nUsage: o365-pipeline ${command.usage}`,
      );
      return 2;
    }
    fullIo.err(
      `o365-pipeline ${command.path.join(' ')}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 1;
  }
}
