#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Command } from 'commander';
import { z } from 'zod';
import {
  CodedError,
  DeviceKey,
  FileStore,
  MdnsDiscovery,
  type Peer,
  WsTransport,
  cryptoRandom,
  openSession,
  systemClock,
} from '../../core/engine/index';
import { type DiaryState, diaryApp, diaryEntries } from './diary-app';

/**
 * `diary`: a headless copy of the shared diary, a second app on Baton's engine. JSON lines
 * on stdio, as `baton peer --stdio`: {"id":1,"method":"diary.write","params":{"text":"…"}}
 * gets {"id":1,"result":{…}} or {"id":1,"error":{"code","message"}}; events come as
 * {"event":"role","data":{…}}. Copies find each other over mDNS (`_baton-diary._tcp`).
 */
console.log = (...args: unknown[]) => console.error(...args);

const SERVICE = 'baton-diary';

const requestSchema = z.object({
  id: z.number().int(),
  method: z.string().max(64),
  params: z.unknown().optional(),
});
const params = {
  'diary.create': z.object({ title: z.string().trim().min(1).max(120) }),
  'diary.join': z.object({ sessionId: z.string().max(64).optional() }).optional(),
  'diary.write': z.object({ text: z.string() }),
} as const;

/** A request's failure: a code the caller can switch on. */
class ApiError extends CodedError<string> {}

const program = new Command('diary')
  .description('a shared diary for the room, on the Baton engine')
  .requiredOption('--data-dir <dir>', 'where this copy keeps its data')
  .requiredOption('--name <name>', 'display name (the author of its entries)')
  .option('--port <n>', 'WebSocket port (default: any free one)', (v) => Number(v))
  .option('--interface <addr>', 'IPv4 address of the network interface to use')
  .option('--stdio', 'JSON-lines control on stdin/stdout (always on)')
  .option('--quiet', 'no logs on stderr')
  .action(
    async (o: {
      dataDir: string;
      name: string;
      port?: number;
      interface?: string;
      quiet?: boolean;
    }) => {
      const log = (line: string): void => {
        if (!o.quiet) process.stderr.write(`[${new Date().toISOString()}] ${line}\n`);
      };
      const out = (msg: unknown): void => void process.stdout.write(`${JSON.stringify(msg)}\n`);
      fs.mkdirSync(o.dataDir, { recursive: true });
      const key = DeviceKey.loadOrCreate(o.dataDir, log);
      let peer: Peer<DiaryState> | null = null;
      const transport = new WsTransport({
        key,
        port: o.port ?? 0,
        host: o.interface,
        sessionOf: () => peer?.sessionId ?? null,
        log: (l) => log(`ws: ${l}`),
      });
      const store = new FileStore(path.join(o.dataDir, 'diary'));
      peer = openSession(diaryApp, {
        deviceId: key.deviceId,
        name: o.name,
        clock: systemClock,
        random: cryptoRandom,
        transport,
        store,
        log: (l) => log(`engine: ${l}`),
      });
      const p = peer;
      const mdns = new MdnsDiscovery({
        deviceId: key.deviceId,
        name: o.name,
        interface: o.interface,
        serviceType: SERVICE,
        log,
      });
      mdns.onChange(() => {
        for (const [device, seen] of mdns.seenPeers()) {
          const host = seen.addresses[0];
          if (host) transport.setAddress(device, { host, port: seen.port });
        }
      });
      // Announced once the document holds the diary (a joiner mid-join stays unannounced).
      const announce = (): void => {
        const title = p.doc?.baton?.session?.name;
        const inSession = !!(p.isRunning && p.sessionId && title);
        mdns.announce({
          sid: inSession ? p.sessionId! : '',
          sn: inSession ? title! : '',
          mid: inSession ? (p.memberId ?? '') : '',
        });
      };
      let lastCount = -1;
      p.events.on('role', (r) => {
        out({ event: 'role', data: r });
        announce();
      });
      p.events.on('hostChanged', (c) => out({ event: 'hostChanged', data: c }));
      p.events.on('members', (m) => {
        out({ event: 'members', data: m });
        announce();
      });
      p.events.on('state', () => {
        const count = diaryEntries(p.doc?.app).length;
        if (count !== lastCount) out({ event: 'entries', data: { count } });
        lastCount = count;
      });

      const status = () => ({
        sessionId: p.sessionId,
        title: p.doc?.baton?.session?.name ?? '',
        memberId: p.memberId,
        role: p.role,
        hostId: p.hostId,
        epoch: p.epoch,
        entries: diaryEntries(p.doc?.app).length,
        pending: p.pendingCommands().length,
      });
      const inSession = (): void => {
        if (!p.isRunning || !p.doc?.app) throw new ApiError('no-session', 'not in a diary yet');
      };

      const methods: Record<string, (params: unknown) => unknown> = {
        status: () => status(),
        'diary.create': (raw) => {
          const { title } = params['diary.create'].parse(raw);
          if (p.isRunning) throw new ApiError('in-session', 'already in a diary');
          const sessionId = crypto.randomUUID();
          p.createSession(sessionId, title);
          announce();
          return { sessionId };
        },
        'diary.join': async (raw) => {
          const want = params['diary.join'].parse(raw)?.sessionId;
          if (p.isRunning) return { sessionId: p.sessionId };
          const deadline = Date.now() + 15_000;
          for (;;) {
            const listing = mdns.sessions().find((s) => !want || s.sessionId === want);
            const via = listing?.contacts[0];
            if (listing && via) {
              await p.join(via, listing.sessionId);
              announce();
              return { sessionId: listing.sessionId };
            }
            if (Date.now() > deadline)
              throw new ApiError('not-found', 'no diary seen on this network');
            await new Promise((r) => setTimeout(r, 200));
          }
        },
        'diary.write': async (raw) => {
          const { text } = params['diary.write'].parse(raw);
          inSession();
          const r = await p.submit({ op: 'write', author: o.name, text }).done;
          if (!r.ok) throw new ApiError(r.error.code, r.error.message);
          return r.value;
        },
        'diary.list': () => {
          inSession();
          return diaryEntries(p.doc?.app).map((e) => ({ ...e }));
        },
        'session.leave': async () => {
          await p.leave();
          announce();
          return {};
        },
      };

      const rl = readline.createInterface({ input: process.stdin });
      rl.on('line', (line) => {
        let req: z.infer<typeof requestSchema>;
        try {
          req = requestSchema.parse(JSON.parse(line));
        } catch (e) {
          out({
            error: {
              code: 'bad-request',
              message: `not a request: ${(e as Error).message.slice(0, 200)}`,
            },
          });
          return;
        }
        const fn = methods[req.method];
        if (!fn) return out({ id: req.id, error: { code: 'unknown-method', message: req.method } });
        Promise.resolve()
          .then(() => fn(req.params))
          .then(
            (result) => out({ id: req.id, result }),
            (e: Error) => {
              const code =
                e instanceof CodedError ? e.code : e instanceof z.ZodError ? 'invalid' : 'internal';
              out({ id: req.id, error: { code, message: e.message.slice(0, 500) } });
            },
          );
      });

      const port = await transport.start();
      mdns.start(port);
      const resumed = p.resume();
      announce();
      out({ event: 'ready', data: { port, deviceId: key.deviceId, resumed } });

      let stopping = false;
      const shutdown = async (): Promise<void> => {
        if (stopping) return;
        stopping = true;
        if (p.isRunning) await p.leave();
        await mdns.stop();
        await transport.close();
        process.exit(0);
      };
      process.on('SIGTERM', () => void shutdown());
      process.on('SIGINT', () => void shutdown());
      rl.on('close', () => void shutdown());
    },
  );

program.parseAsync().catch((e: Error) => {
  process.stderr.write(`diary: ${e.message}\n`);
  process.exit(1);
});
