// Electron main entry (package.json "main" is its build, dist/main/main.js).
import { app } from 'electron';
import { BatonMain } from './lifecycle';

const main = new BatonMain({ argv: process.argv.slice(1) });
process.on('SIGTERM', () => void main.leaveAndQuit('SIGTERM'));
process.on('SIGINT', () => void main.leaveAndQuit('SIGINT'));
main.run().catch((e: unknown) => {
  process.stderr.write(`[baton] could not start: ${(e as Error).stack ?? String(e)}\n`);
  app.exit(1);
});
