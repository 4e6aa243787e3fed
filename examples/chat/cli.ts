#!/usr/bin/env node
import * as readline from 'node:readline';
import { Command } from 'commander';
import { DataDirLockedError, closeOnSignals, openRoom, serveRoom } from '@baton/engine';
import { chatApp, chatLog } from './chat';

// `chat --room lab --name Ana --data-dir ~/.chat-ana`: type a line to send it; everyone's
// messages print as `[n] name: text`. `--stdio`: JSON lines instead, for tests and scripts.
const o = new Command('chat')
  .option('--room <name>', 'the room to join, or create', 'lab')
  .requiredOption('--name <name>', 'your name in the chat')
  .requiredOption('--data-dir <dir>', 'where this copy keeps its data')
  .option('--interface <addr>', 'IPv4 address of the network interface to use')
  .option('--stdio', 'JSON lines on stdin/stdout')
  .option('--quiet', 'no logs on stderr')
  .parse()
  .opts();
const room = await openRoom(chatApp, {
  ...{ room: o.room, name: o.name, dataDir: o.dataDir, interface: o.interface },
  serviceType: 'baton-chat',
  log: o.quiet ? undefined : (l) => process.stderr.write(`${l}\n`),
}).catch((e: Error) => {
  process.stderr.write(`chat: ${e.message}\n`); // another copy holds the data dir: exit 3
  process.exit(e instanceof DataDirLockedError ? 3 : 1);
});
const say = (p: unknown) =>
  room.send({ op: 'say', from: o.name, text: String((p as { text?: unknown })?.text) });
if (o.stdio) serveRoom(room, { say, log: () => chatLog(room.state) });
else {
  let shown = 0;
  room.on('state', (s) => {
    for (const m of chatLog(s).slice(shown)) console.log(`[${m.n}] ${m.from}: ${m.text}`);
    shown = chatLog(s).length;
  });
  const close = closeOnSignals(room);
  room.on('conflict', (c) => console.error(`two rooms "${o.room}": ${c.sessionId} cannot merge`));
  const failed = (e: Error) => console.error(`not sent: ${e.message}`);
  const sent = (l: string) => void (l.trim() && say({ text: l }).catch(failed));
  readline.createInterface({ input: process.stdin }).on('close', close).on('line', sent);
  console.log(`in room "${o.room}" as ${o.name} (${room.members.length} here); type to send`);
}
