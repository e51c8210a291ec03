/**
 * The `tsgitop` command line. `bin/tsgitop` calls main(); main returns the
 * process exit code:
 *   0  success
 *   1  a runtime failure (the stats server could not be read, …)
 *   2  a usage error (bad option, bad address)
 * Every failure is one line on stderr, never a stack trace.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAddress } from '../protocol/address.js';
import { EXIT_BAD_RECORDING, RecordingFileError, UsageError, checkOptionValues, parseBytes, parseCount, parseSeconds } from './values.js';
import { diagnosisOptions } from './diagnosis.js';
import { ADDRESS_HELP, COMMANDS, ROOT_OPTIONS, commanderFlags, type OptionSpec } from './options.js';
import { helpWidth, renderCommandHelp, renderHelp } from './help.js';
import { nodeLabel, type CliIo, type CommonOptions } from './io.js';
import { asciify, fullScreenProblem, utf8Locale } from '../tui/caps.js';
import { actionExit } from './exit.js';
import { oneLine } from '../text/sanitize.js';
import { write } from './output.js';


function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The gunicorn stats module shipped in the package (python/tsgitop_gunicorn.py), absolute. */
export function gunicornConfigPath(): string {
  // dist/src/cli/main.js → ../../../python
  return fileURLToPath(new URL('../../../python/tsgitop_gunicorn.py', import.meta.url));
}

function buildProgram(width: number): Command {
  const program = new Command();
  // Options after `demo` belong to demo (its own --no-color, -f), not to the root.
  program.enablePositionalOptions();
  program
    .name('tsgitop')
    .description('Live monitor for uWSGI (and tsgitop-emitter) stats servers — uwsgitop, re-imagined.')
    .usage('[options] ADDRESS [ADDRESS...]')
    .argument('[address...]', ADDRESS_HELP);
  // Every option from the one table (options.ts) that help, man page and completion are made from.
  for (const o of ROOT_OPTIONS) {
    if (o.flags === '-h, --help') program.helpOption(o.flags, o.description);
    else program.addOption(tableOption(o));
  }
  for (const spec of COMMANDS) {
    const cmd = program.command(spec.name).description(spec.description);
    if (spec.args !== undefined) cmd.argument(spec.args);
    for (const o of spec.options) cmd.addOption(tableOption(o));
    cmd.configureHelp({ formatHelp: () => renderCommandHelp(spec, width) });
  }
  // Set after the subcommands exist, so only the root's help is ours.
  program.configureHelp({ formatHelp: () => renderHelp(width) });
  return program;
}

function tableOption(o: OptionSpec): Option {
  const opt = new Option(commanderFlags(o), o.description);
  if (o.default !== undefined) opt.default(o.default);
  return opt;
}

/** Run the CLI. `argv` is process.argv (node, script, ...args). */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const program = buildProgram(helpWidth(io.stdout));
  let stdoutText = '';
  program.exitOverride();
  program.commands.forEach((c) => c.exitOverride());
  // Commander copies output settings to subcommands only when they are
  // created, so configure every command: its own 'error: …' line must never
  // appear (tsgitop prints one line of its own).
  for (const cmd of [program, ...program.commands]) {
    cmd.configureOutput({
      writeOut: (s) => {
        stdoutText += s;
      },
      writeErr: () => {},
      outputError: () => {},
    });
  }
  let action: Promise<number> = Promise.resolve(0);
  program.action((addresses: string[], opts: Record<string, unknown>) => {
    action = runRoot(addresses, opts, io);
  });
  program.commands.find((c) => c.name() === 'demo')!.action((opts: Record<string, unknown>) => {
    action = runDemoCommand(opts, io);
  });
  program.commands.find((c) => c.name() === 'completion')!.action((shell: string) => {
    action = (async () => {
      const { completionScript } = await import('./completion.js');
      await write(io.stdout, completionScript(shell));
      return 0;
    })();
  });
  try {
    checkOptionValues(argv.slice(2), program.options, program.commands.map((c) => c.name()));
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`tsgitop: ${e.message} (see tsgitop --help)\n`);
      return 2;
    }
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') {
        // A closed or full stdout: quiet exit 0 / one line and 1, like every other output (output.ts).
        return await write(io.stdout, stdoutText).then(
          () => 0,
          (err: unknown) => actionExit(err, io.stderr) ?? 1,
        );
      }
      io.stderr.write(`tsgitop: ${e.message.replace(/^error: /, '').split('\n')[0]} (see tsgitop --help)\n`);
      return 2;
    }
    throw e;
  }
  try {
    return await action;
  } catch (e) {
    if (e instanceof RecordingFileError) {
      io.stderr.write(`tsgitop: ${oneLine(e, 1000)}\n`);
      return EXIT_BAD_RECORDING;
    }
    const code = actionExit(e, io.stderr);
    if (code !== undefined) return code;
    throw e;
  }
}

function common(opts: Record<string, unknown>): CommonOptions {
  return {
    // Seconds become milliseconds here, once: everything below takes ms.
    intervalMs: parseSeconds('--frequency', String(opts.frequency), 0.05, 86400) * 1000,
    timeoutMs: Math.round(parseSeconds('--timeout', String(opts.timeout), 0.05, 3600) * 1000),
    maxBytes: parseBytes('--max-bytes', String(opts.maxBytes), 1024, 4 * 1024 ** 3),
  };
}

function colorWanted(opts: Record<string, unknown>, env: NodeJS.ProcessEnv): boolean {
  // https://no-color.org: NO_COLOR set to any non-empty value disables colour.
  return opts.color !== false && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

async function runRoot(addresses: string[], opts: Record<string, unknown>, io: CliIo): Promise<number> {
  if (opts.version) {
    await write(io.stdout, `tsgitop ${packageVersion()}\n`);
    return 0;
  }
  if (opts.gunicornConfig) {
    await write(io.stdout, `${gunicornConfigPath()}\n`);
    return 0;
  }
  if (opts.helpColumns) {
    const { printColumns } = await import('./batch.js');
    await write(io.stdout, await printColumns());
    return 0;
  }
  if (opts.helpKeys) {
    const { helpKeysText } = await import('../tui/help-keys.js');
    await write(io.stdout, helpKeysText());
    return 0;
  }
  const c = common(opts);
  const diagnosis = diagnosisOptions(opts);
  if (typeof opts.connectAndRead === 'string') {
    if (addresses.length > 0) throw new UsageError(`--connect-and-read takes one address; unexpected '${addresses[0]}'`);
    if (opts.front !== undefined) throw new UsageError('--front goes with the monitor, -b or --json, not --connect-and-read');
    const { connectAndRead } = await import('./dump.js');
    return connectAndRead(parseAddress(opts.connectAndRead), { ...c, pretty: opts.pretty === true }, io);
  }
  if (opts.pretty) throw new UsageError('--pretty only goes with --connect-and-read');
  // TERM=dumb or unset: no full-screen monitor; batch text instead, with one line saying why.
  const noScreen = opts.batch === true || opts.json === true || !io.stdout.isTTY ? undefined : fullScreenProblem(io.env);
  const batch = opts.batch === true || opts.json === true || !io.stdout.isTTY || noScreen !== undefined;
  const iterations = parseCount('--iterations', String(opts.iterations), 1, 1_000_000);
  const sort = typeof opts.sort === 'string' ? opts.sort : undefined;
  const width = opts.width === undefined ? (io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : 200) : parseCount('--width', String(opts.width), 20, 10000);

  if (typeof opts.replay === 'string') {
    if (addresses.length > 0 || opts.targets !== undefined) throw new UsageError('--replay plays a recording: it takes no address or --targets');
    if (opts.record !== undefined) throw new UsageError('--replay and --record do not go together');
    if (opts.front !== undefined) throw new UsageError('--front reads a live nginx: it does not go with --replay');
    const speed = parseSpeed(String(opts.speed));
    if (batch) throw new UsageError(`--replay plays in the live monitor: it needs a terminal (and no -b/--json)${noScreen !== undefined ? `; ${noScreen}` : ''}`);
    const { runReplayCli } = await import('./play.js');
    const target = typeof opts.replayTarget === 'string' ? opts.replayTarget : undefined;
    return runReplayCli(opts.replay, { ...c, speed, color: colorWanted(opts, io.env), sort, reverse: opts.reverse === true, target });
  }
  if (String(opts.speed) !== '1') throw new UsageError('--speed only goes with --replay');
  if (opts.replayTarget !== undefined) throw new UsageError('--replay-target only goes with --replay');

  const { targetsFromArgs, loadTargetsFile, combineTargets } = await import('../fleet/targets.js');
  const targets = combineTargets(targetsFromArgs(addresses), typeof opts.targets === 'string' ? await loadTargetsFile(opts.targets) : []);
  if (targets.length === 0) throw new UsageError('missing the stats server address, e.g. tsgitop /tmp/app.status or tsgitop 127.0.0.1:9191');
  const fleet = targets.length > 1 || opts.targets !== undefined;
  // One direction rule everywhere: the column's default (rates, memory, time: biggest first), flipped by -r.
  let descending = opts.reverse === true;
  if (sort !== undefined) {
    const { sortDescending } = await import('../columns.js');
    if (fleet) {
      const { fleetColumnById, FLEET_COLUMNS } = await import('../fleet/render.js');
      const col = fleetColumnById(sort);
      if (!col) throw new UsageError(`unknown sort column '${sort}'; one of: ${FLEET_COLUMNS.map((x) => x.id).join(', ')}`);
      descending = sortDescending(col, opts.reverse === true);
    } else {
      const { checkSortColumn } = await import('./batch.js');
      descending = sortDescending(checkSortColumn(sort), opts.reverse === true);
    }
  }
  if (opts.front !== undefined && fleet) throw new UsageError('--front goes with one stats server address');
  const front = typeof opts.front === 'string' ? await frontReader(opts.front, c.timeoutMs) : undefined;
  const recorder = typeof opts.record === 'string' ? await openRecorder(opts.record, io) : undefined;
  if (noScreen !== undefined) io.stderr.write(`tsgitop: ${noScreen}: this terminal cannot show the full-screen monitor, printing batch text instead (-b)\n`);
  try {
    if (fleet && !batch) {
      const { runFleetCli } = await import('./fleet.js');
      return await runFleetCli(targets, { ...c, color: colorWanted(opts, io.env), sort, reverse: descending, recorder, diagnosis });
    }
    if (fleet) {
      const { runFleetBatch } = await import('../fleet/batch.js');
      const { write } = await import('./output.js');
      return await runFleetBatch(
        targets,
        { intervalMs: c.intervalMs, iterations, timeoutMs: c.timeoutMs, maxBytes: c.maxBytes, json: opts.json === true, width, sortBy: sort, reverse: descending, recorder, diagnosis },
        (text) => write(io.stdout, opts.json === true || utf8Locale(io.env) ? text : asciify(text)),
      );
    }
    const addr = targets[0]!.address;
    if (batch) {
      const { runBatch } = await import('./batch.js');
      return await runBatch(addr, { ...c, iterations, json: opts.json === true, cores: opts.cores === true, width, sort, reverse: descending, node: nodeLabel(addr), recorder, diagnosis, front }, io);
    }
    const { runMonitorCli } = await import('./monitor.js');
    return await runMonitorCli(addr, { ...c, color: colorWanted(opts, io.env), sort, reverse: descending, node: nodeLabel(addr), recorder, diagnosis, front });
  } finally {
    await recorder?.close();
  }
}

async function frontReader(url: string, timeoutMs: number): Promise<import('./front.js').FrontReader> {
  const [{ parseFrontAddress }, { FrontReader }] = await Promise.all([import('../protocol/nginx.js'), import('./front.js')]);
  return new FrontReader(parseFrontAddress(url), { timeoutMs });
}

function parseSpeed(raw: string): number {
  const v = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(v >= 0.25 && v <= 16)) throw new UsageError(`--speed must be a factor between 0.25 and 16, got '${raw}'`);
  return v;
}

async function openRecorder(file: string, io: CliIo): Promise<import('../record/recorder.js').Recorder> {
  const { Recorder, RecordError } = await import('../record/recorder.js');
  try {
    // A write error later (disk full…) is reported once; the monitor goes on.
    return await Recorder.open(file, { onError: (e) => io.stderr.write(`tsgitop: recording stopped: ${e instanceof Error ? e.message : String(e)}\n`) });
  } catch (e) {
    if (e instanceof RecordError) throw new UsageError(e.message);
    throw e;
  }
}

async function runDemoCommand(opts: Record<string, unknown>, io: CliIo): Promise<number> {
  const workers = parseCount('--workers', String(opts.workers), 1, 64);
  const intervalMs = parseSeconds('--frequency', String(opts.frequency), 0.05, 86400) * 1000;
  const { runDemoCli } = await import('./demo.js');
  let monitor = opts.monitor !== false;
  const noScreen = monitor && io.stdout.isTTY ? fullScreenProblem(io.env) : undefined;
  if (noScreen !== undefined) {
    io.stderr.write(`tsgitop: ${noScreen}: this terminal cannot show the full-screen monitor; the demo runs without it (read it with tsgitop -b ADDRESS)\n`);
    monitor = false;
  }
  return runDemoCli({ workers, monitor, intervalMs, color: colorWanted(opts, io.env), stack: opts.stack === true }, io);
}
