// `npm run demo`: three copies of Baton on this laptop, each its own profile (its own
// "laptop"), so a presenter can start a session in one, join from the others and close
// the host's window to show failover. Ctrl+C closes all three gracefully.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

// The electron package resolves (and on first use downloads) its binary.
const electron = createRequire(import.meta.url)('electron');
const copies = [
  { profile: 'demo-ta', name: "TA's laptop" },
  { profile: 'demo-ana', name: "Ana's laptop" },
  { profile: 'demo-ben', name: "Ben's laptop" },
];
const children = [];
for (const [i, c] of copies.entries()) {
  // Staggered, so the TA's copy is the earliest and hosts the session it starts.
  await new Promise((r) => setTimeout(r, i === 0 ? 0 : 1500));
  const child = spawn(electron, ['.', '--profile', c.profile, '--name', c.name], {
    stdio: 'inherit',
  });
  children.push(child);
  child.on('exit', (code) => console.log(`${c.name} closed (${code ?? 'signal'})`));
}
const stop = () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
