// The command table is the one list of commands: `mxray --help` shows exactly its rows (name,
// usage, description) without loading any command module, and only the invoked one is loaded.
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { COMMANDS, type CommandEntry } from '../../../src/cli/commands.js';
import { buildProgram, invokedCommand } from '../../../src/cli/main.js';
import type { Sink } from '../../../src/cli/stdout.js';

const sink: Sink = { write: async () => {}, flush: async () => {} };

function fakeTable(names: string[]) {
  const ran: string[] = [];
  const table = names.map((name) => ({
    name,
    description: `the ${name} command`,
    usage: '[options] <thing>',
    load: vi.fn(async () => ({
      configure(cmd: Command) {
        cmd.argument('<thing>').option('--flag');
        return async (thing: string, o: { flag?: boolean }) => {
          ran.push(`${name} ${thing} ${o.flag === true}`);
          return { kind: 'problems' as const };
        };
      },
    })),
  })) satisfies CommandEntry[];
  return { table, ran };
}

describe('the command table', () => {
  it('names are unique lowercase words, each with a description and a usage', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('check');
    expect(names).toContain('demo');
    for (const c of COMMANDS) {
      expect(c.name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(c.description.length, c.name).toBeGreaterThan(10);
    }
  });

  it('`mxray --help` lists every row of the table, with its usage and description, and nothing else', async () => {
    const { program } = await buildProgram(['--help'], COMMANDS, sink);
    expect(program.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
    const help = program.helpInformation({ error: false }).replace(/\s+/g, ' ');
    for (const c of COMMANDS) expect(help).toContain(`${c.name} ${c.usage} ${c.description}`);
    const listed = [...program.helpInformation().split('Commands:')[1]!.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]);
    expect(listed).toEqual([...COMMANDS.map((c) => c.name), 'help']);
  });

  for (const entry of COMMANDS) {
    it(`${entry.name}: the module declares what the table says (usage), and keeps the table's name and description`, async () => {
      const cmd = new Command(entry.name).description(entry.description);
      const run = (await entry.load()).configure(cmd);
      expect(typeof run).toBe('function');
      expect(cmd.usage()).toBe(entry.usage);
      expect(cmd.name()).toBe(entry.name);
      expect(cmd.description()).toBe(entry.description);
    });
  }
});

describe('lazy loading', () => {
  it('loads only the invoked command', async () => {
    const { table } = fakeTable(['alpha', 'beta', 'gamma']);
    await buildProgram(['beta', 'x', '--flag'], table, sink);
    expect(table.map((e) => e.load.mock.calls.length)).toEqual([0, 1, 0]);
  });

  it("a command's help shows no \"(default: [])\" for its repeatable options, and keeps real defaults", async () => {
    for (const name of ['check', 'cert', 'send']) {
      const { program } = await buildProgram([name, '--help'], COMMANDS, sink);
      const help = program.commands.find((c) => c.name() === name)!.helpInformation();
      expect(help).toMatch(/--ca-file <file>/);
      expect(help).not.toContain('(default: [])');
    }
    const { program } = await buildProgram(['send', '--help'], COMMANDS, sink);
    expect(program.commands.find((c) => c.name() === 'send')!.helpInformation().replace(/\s+/g, ' ')).toContain('(choices: "none", "opportunistic", "required", "implicit")');
  });

  it('loads nothing for --help, --version or no command, and the named command for `help NAME`', async () => {
    for (const argv of [['--help'], ['-h'], ['--version'], []]) {
      const { table } = fakeTable(['alpha', 'beta']);
      await buildProgram(argv, table, sink);
      expect(table.map((e) => e.load.mock.calls.length), argv.join(' ')).toEqual([0, 0]);
    }
    const { table } = fakeTable(['alpha', 'beta']);
    await buildProgram(['help', 'alpha'], table, sink);
    expect(table.map((e) => e.load.mock.calls.length)).toEqual([1, 0]);
  });

  it('runs the loaded command with its arguments and options and hands back its outcome', async () => {
    const { table, ran } = fakeTable(['alpha', 'beta']);
    const built = await buildProgram(['alpha', 'thing1', '--flag'], table, sink);
    await built.program.parseAsync(['alpha', 'thing1', '--flag'], { from: 'user' });
    expect(ran).toEqual(['alpha thing1 true']);
    expect(built.outcome()).toEqual({ kind: 'problems' });
  });

  it('invokedCommand: the first operand, or the one after `help`', () => {
    expect(invokedCommand(['check', 'demo'])).toBe('check');
    expect(invokedCommand(['--no-such', 'demo', '--json'])).toBe('demo');
    expect(invokedCommand(['help', 'check'])).toBe('check');
    expect(invokedCommand(['help'])).toBeNull();
    expect(invokedCommand(['--version'])).toBeNull();
    expect(invokedCommand([])).toBeNull();
  });
});
