#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { FAULT_PLANS } from './transport/injected-faults';
import { JsonLinesAdapter } from './api/json-lines';
import { SessionNode } from './node';
import { checkRelaySettings } from './relay/settings';
import { UiServer } from './ui-server';

/**
 * `baton peer`: a headless copy of Baton. With --stdio it speaks JSON lines: requests
 * {"id":1,"method":"queue.join","params":{...}} get {"id":1,"result":...} or
 * {"id":1,"error":{"code","message"}}; events come as {"event":"role","data":{...}}.
 * Only JSON goes to stdout; logs go to stderr.
 */
// stdout carries JSON lines only: anything a library prints goes to stderr instead.
console.log = (...args: unknown[]) => console.error(...args);
console.info = console.log;

const program = new Command('baton').description(
  'Baton: a classroom office-hours queue on the LAN',
);

const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('not a port number');
  return n;
};
const holders = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 3) throw new InvalidArgumentError('1, 2 or 3');
  return n;
};

/** `--stress-limits`: the throughput bench measures the engine, not the host's allowance. */
const STRESS_LIMITS = {
  commandBurst: 100_000,
  commandsPerSecond: 100_000,
  roomCommandBurst: 100_000,
  roomCommandsPerSecond: 100_000,
};

program
  .command('peer')
  .description('run a headless peer')
  .requiredOption('--data-dir <dir>', 'where this laptop keeps its data (same dir = same laptop)')
  .requiredOption('--name <name>', 'display name of this copy')
  .option('--port <n>', 'WebSocket port (default: the first free of 47001-47010; 0: any)', int)
  .option('--interface <addr>', 'IPv4 address of the network interface to use')
  .option('--no-host', 'never host (this copy only follows)')
  .option('--no-mdns', 'do not announce or browse (connect by address only)')
  .option('--stability-ms <ms>', 'failback stability window', (v) => Number(v))
  .option(
    '--holders <k>',
    'successors that must hold a change before it is acknowledged: 1 survives any one failure, 2 the host and its successor at once (the host decides; give every laptop the same)',
    holders,
  )
  .option(
    '--relay <url>',
    'a NATS relay for laptops that cannot reach each other directly: nats://host:4222 (several: comma-separated)',
  )
  .option('--relay-token <token>', "the relay's token, where the server wants one")
  .option('--relay-user <user>', "the relay's user name (with --relay-pass)")
  .option('--relay-pass <pass>', "the relay user's password")
  .option('--relay-creds <file>', 'a NATS .creds file for the relay')
  .option('--relay-only', 'open no LAN links: every link goes through the relay')
  .option('--stdio', 'JSON-lines control on stdin/stdout')
  .option('--ui-port <n>', 'serve the Baton UI to a browser on http://127.0.0.1:<n>', int)
  .option('--quiet', 'no logs on stderr')
  .addOption(
    new Option(
      '--stress-limits',
      "benchmarks only: lift the host's command limits and the phone limits per address, to measure the engine",
    ).hideHelp(),
  )
  .addOption(
    new Option('--inject-faults <plan>', 'testing only: bad Wi-Fi on outgoing frames')
      .choices(Object.keys(FAULT_PLANS))
      .hideHelp(),
  )
  .action(
    async (opts: {
      dataDir: string;
      name: string;
      port?: number;
      interface?: string;
      host: boolean;
      mdns: boolean;
      stabilityMs?: number;
      holders?: number;
      stdio?: boolean;
      uiPort?: number;
      quiet?: boolean;
      injectFaults?: string;
      stressLimits?: boolean;
      relay?: string;
      relayToken?: string;
      relayUser?: string;
      relayPass?: string;
      relayCreds?: string;
      relayOnly?: boolean;
    }) => {
      const log = (line: string): void => {
        if (!opts.quiet) process.stderr.write(`[${new Date().toISOString()}] ${line}\n`);
      };
      // The bundle sits in dist/cli/; the renderer (and the phone page) in dist/renderer/.
      const rendererDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'renderer');
      const relay = opts.relay
        ? checkRelaySettings({
            url: opts.relay,
            ...(opts.relayToken ? { token: opts.relayToken } : {}),
            ...(opts.relayUser ? { user: opts.relayUser } : {}),
            ...(opts.relayPass ? { pass: opts.relayPass } : {}),
            ...(opts.relayCreds ? { creds: fs.readFileSync(opts.relayCreds, 'utf8') } : {}),
            ...(opts.relayOnly ? { relayOnly: true } : {}),
          })
        : undefined;
      const node = new SessionNode({
        ...(relay ? { relay } : {}),
        dataDir: opts.dataDir,
        phoneDir: rendererDir,
        name: opts.name,
        port: opts.port,
        interface: opts.interface,
        eligible: opts.host,
        mdns: opts.mdns,
        ...(opts.injectFaults ? { faults: FAULT_PLANS[opts.injectFaults]! } : {}),
        ...(opts.stressLimits
          ? { phoneLimits: { maxPerAddress: 1_000, joinBurst: 1_000, joinsPerSecond: 1_000 } }
          : {}),
        config: {
          ...(opts.stabilityMs ? { stabilityMs: opts.stabilityMs } : {}),
          ...(opts.holders !== undefined ? { k: opts.holders } : {}),
          ...(opts.stressLimits ? STRESS_LIMITS : {}),
        },
        log,
      });
      const out = (obj: unknown): void => {
        process.stdout.write(`${JSON.stringify(obj)}\n`);
      };
      const stdio = opts.stdio ? new JsonLinesAdapter(node.service, out) : null;
      const { port, resumed } = await node.start();
      let ui: UiServer | null = null;
      let uiUrl: string | null = null;
      if (opts.uiPort !== undefined) {
        ui = new UiServer({ service: node.service, dir: rendererDir, port: opts.uiPort, log });
        const uiPort = await ui.start();
        uiUrl = `http://127.0.0.1:${uiPort}/`;
        log(`UI on ${uiUrl}`);
      }
      log(
        `listening on port ${port}, device ${node.deviceId}${resumed ? ', resumed the last session' : ''}`,
      );
      if (opts.stdio)
        out({ event: 'ready', data: { deviceId: node.deviceId, port, resumed, ui: uiUrl } });

      let exiting = false;
      const exit = (signal: string): void => {
        if (exiting) return;
        exiting = true;
        log(`${signal}: leaving gracefully`);
        const hard = setTimeout(() => process.exit(1), 5_000);
        void Promise.all([node.shutdown(), ui?.close()]).then(() => {
          clearTimeout(hard);
          process.exit(0);
        });
      };
      process.on('SIGTERM', () => exit('SIGTERM'));
      process.on('SIGINT', () => exit('SIGINT'));

      if (!stdio) return;
      const rl = readline.createInterface({ input: process.stdin });
      rl.on('line', (line) => stdio.handle(line));
      rl.on('close', () => exit('stdin closed'));
    },
  );

await program.parseAsync(process.argv).catch((e: Error) => {
  // A clear line, not a stack trace: the data directory is read-only, a port is taken, …
  process.stderr.write(`baton: ${e.message}\n`);
  process.exit(e.name === 'DataDirError' ? 3 : 1);
});
