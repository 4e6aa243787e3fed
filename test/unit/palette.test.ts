import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

/**
 * WCAG 2.1 AA for the palette (#26): every pair of text and background the app draws meets
 * 4.5:1, in the light theme and in the dark one. Before, the danger red on dark surfaces
 * (Remove, Leave, errors) was 2.8–3.2:1 and the warning orange on light ones ("not found —
 * keeps the place", conflicts) 2.9:1.
 */
const css = fs.readFileSync(path.join(process.cwd(), 'renderer/palette.css'), 'utf8');

/** `--name` → [light, dark] (a plain value serves both). */
function palette(): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  const root = css.slice(css.indexOf(':root {'), css.indexOf('}'));
  for (const m of root.matchAll(/--([\w-]+):\s*([^;]+);/g)) {
    const v = m[2]!.trim();
    const ld = /^light-dark\(\s*(#[0-9a-f]{6})\s*,\s*(#[0-9a-f]{6})\s*\)$/i.exec(v);
    if (ld) out.set(m[1]!, [ld[1]!, ld[2]!]);
    else if (/^#[0-9a-f]{6}$/i.test(v)) out.set(m[1]!, [v, v]);
  }
  return out;
}

/** WCAG relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** Text colour on background, as the stylesheets draw them. */
const PAIRS: [string, string, string][] = [
  ['text', 'bg', 'body text'],
  ['text', 'surface', 'card text'],
  ['text', 'surface-2', 'button text'],
  ['muted', 'surface', 'secondary text'],
  ['muted', 'surface-2', 'badges'],
  ['bad', 'surface', 'errors, Leave'],
  ['bad', 'surface-2', 'danger buttons (Remove)'],
  ['bad', 'bad-soft', 'not-found and removed badges'],
  ['warn', 'surface', 'conflict notes'],
  ['warn', 'bad-soft', '"not found — keeps the place" on a missing entry'],
  ['accent', 'accent-soft', 'tag badges'],
  ['accent-text', 'accent', 'primary buttons, the Next badge'],
  ['text', 'called-soft', 'called and helped rows'],
];

describe('palette contrast (WCAG AA, 4.5:1)', () => {
  const p = palette();
  for (const [theme, k] of [
    ['light', 0],
    ['dark', 1],
  ] as const) {
    it(`${theme} theme: every text/background pair the app draws`, () => {
      const low = PAIRS.map(([fg, bg, what]) => {
        const a = p.get(fg)?.[k];
        const b = p.get(bg)?.[k];
        assert.ok(a && b, `--${fg} / --${bg} in palette.css`);
        return { what, ratio: Number(contrast(a, b).toFixed(2)) };
      }).filter((x) => x.ratio < 4.5);
      assert.deepEqual(low, [], `${theme}: below 4.5:1`);
    });
  }
});
