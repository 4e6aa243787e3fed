#!/usr/bin/env node
import { Command } from 'commander';
import { z } from 'zod';
import {
  CodedError,
  DataDirLockedError,
  closeOnSignals,
  openRoom,
  serveStdio,
} from '@baton/engine';
import { diaryApp, diaryEntries } from './diary-app';

/**
 * `diary`: a headless copy of the shared diary, a second app on Baton's engine, on
 * `openRoom`: copies started with the same `--room` find each other over mDNS
 * (`_baton-diary._tcp`) and share one diary. JSON lines on stdio:
 * {"id":1,"method":"diary.write","params":{"text":"…"}} gets {"id":1,"result":{…}} or
 * {"id":1,"error":{"code","message"}}; events come as {"event":"role","data":{…}}.
 */
console.log = (...args: unknown[]) => console.error(...args);

const write = z.object({ text: z.string() });

const o = new Command('diary')
  .description('a shared diary for the room, on the Baton engine')
  .option('--room <title>', "the diary's title: copies with the same one share it", 'Lab diary')
  .requiredOption('--data-dir <dir>', 'where this copy keeps its data')
  .requiredOption('--name <name>', 'display name (the author of its entries)')
  .option('--port <n>', 'WebSocket port (default: any free one)', (v) => Number(v))
  .option('--interface <addr>', 'IPv4 address of the network interface to use')
  .option('--stdio', 'JSON-lines control on stdin/stdout (always on)')
  .option('--quiet', 'no logs on stderr')
  .parse()
  .opts();
const log = (line: string): void => {
  if (!o.quiet) process.stderr.write(`[${new Date().toISOString()}] ${line}\n`);
};
const room = await openRoom(diaryApp, {
  room: o.room,
  name: o.name,
  dataDir: o.dataDir,
  serviceType: 'baton-diary',
  port: o.port,
  interface: o.interface,
  log,
}).catch((e: Error) => {
  process.stderr.write(`diary: ${e.message}\n`); // another copy holds the data dir: exit 3
  process.exit(e instanceof DataDirLockedError ? 3 : 1);
});
const status = () => ({
  sessionId: room.sessionId,
  title: o.room,
  memberId: room.memberId,
  role: room.role,
  members: room.members.length,
  entries: diaryEntries(room.state ?? undefined).length,
});
const close = closeOnSignals(room);
const { emit } = serveStdio(
  {
    status,
    'diary.write': async (raw) => {
      const parsed = write.safeParse(raw);
      if (!parsed.success) throw new CodedError('invalid', parsed.error.issues[0]!.message);
      return room.send({ op: 'write', author: o.name, text: parsed.data.text });
    },
    'diary.list': () => diaryEntries(room.state ?? undefined),
  },
  close,
);
room.on('role', (role) => emit('role', { role }));
room.on('members', (m) => emit('members', { members: m.length }));
room.on('state', (s) => emit('entries', { count: diaryEntries(s).length }));
emit('ready', status());
