import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { HistoryView } from '../core/api/contract';
import { downloadCsv } from './download';
import { formatDuration } from './format';
import { useFocusOnOpen } from './hooks';
import type { Ctx } from './state';

/**
 * Office hours across sessions (core/api/session-history.ts), as pictures: the busy hours
 * (weekday × hour, students waiting), how long students waited, helped per TA; the
 * sessions this laptop was in; the whole history as CSV. Chart.js draws on canvases,
 * offline, from the app's own bundle.
 */

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  MatrixController,
  MatrixElement,
);

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const WAIT_LABELS = ['< 5', '5–10', '10–15', '15–20', '20–30', '30–45', '45–60', '60+'];

/**
 * The theme's colours as the page resolves them now (light or dark): the palette's
 * variables hold `light-dark(…)`, which a canvas cannot read, so each is resolved through
 * a probe element's computed colour (`rgb(…)`).
 */
function colours(): { text: string; muted: string; accent: string; grid: string } {
  const probe = document.createElement('span');
  probe.style.display = 'none';
  document.body.append(probe);
  const v = (n: string): string => {
    probe.style.color = `var(${n})`;
    return getComputedStyle(probe).color || '#888';
  };
  const out = {
    text: v('--text'),
    muted: v('--muted'),
    accent: v('--accent'),
    grid: v('--border'),
  };
  probe.remove();
  return out;
}

/** Changes when the theme does (the system's, or the app's own setting): charts redraw in its colours. */
function useThemeTick(): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const bump = (): void => setTick((n) => n + 1);
    const mq = matchMedia('(prefers-color-scheme: dark)');
    mq.addEventListener('change', bump);
    const mo = new MutationObserver(bump);
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      mq.removeEventListener('change', bump);
      mo.disconnect();
    };
  }, []);
  return tick;
}

function useChart(make: (canvas: HTMLCanvasElement) => Chart, deps: unknown[]) {
  const ref = useRef<HTMLCanvasElement>(null);
  const theme = useThemeTick();
  useEffect(() => {
    if (!ref.current) return;
    const chart = make(ref.current);
    return () => chart.destroy();
  }, [...deps, theme]);
  return ref;
}

function Heat({ h }: { h: HistoryView }) {
  const max = Math.max(0.1, ...h.heat.flat());
  // The span of hours that ever had someone waiting, an hour either side: readable, and a
  // single busy hour still sits in its afternoon.
  const used = [...Array(24).keys()].filter((hr) => h.heat.some((row) => row[hr]! > 0));
  const from = Math.max(0, (used[0] ?? 0) - 1);
  const to = Math.min(23, (used.at(-1) ?? 0) + 1);
  const hours = used.length ? [...Array(to - from + 1).keys()].map((i) => from + i) : [];
  const ref = useChart(
    (canvas) => {
      const c = colours();
      return new Chart(canvas, {
        type: 'matrix',
        data: {
          datasets: [
            {
              label: 'students waiting',
              data: DAYS.flatMap((d, di) =>
                hours.map((hr) => ({ x: `${hr}:00`, y: d, v: h.heat[di]![hr]! })),
              ),
              backgroundColor: (ctx) => {
                const v = (ctx.raw as { v: number } | undefined)?.v ?? 0;
                return v === 0 ? c.grid : withAlpha(c.accent, 0.15 + 0.85 * (v / max));
              },
              width: ({ chart }) => (chart.chartArea?.width ?? 0) / Math.max(1, hours.length) - 2,
              height: ({ chart }) => (chart.chartArea?.height ?? 0) / 7 - 2,
            },
          ],
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          plugins: {
            tooltip: {
              callbacks: {
                title: () => '',
                label: (ctx) => {
                  const r = ctx.raw as { x: string; y: string; v: number };
                  return `${r.y} ${r.x}: ${r.v.toFixed(1)} waiting on average`;
                },
              },
            },
          },
          scales: {
            x: {
              type: 'category',
              labels: hours.map((hr) => `${hr}:00`),
              ticks: { color: c.muted },
              grid: { display: false },
            },
            y: {
              type: 'category',
              labels: DAYS,
              offset: true,
              ticks: { color: c.muted },
              grid: { display: false },
            },
          },
        },
      });
    },
    [h],
  );
  if (hours.length === 0) return null;
  return (
    <figure class="chart heat">
      <figcaption>Busy hours: students waiting, on average (this laptop's time)</figcaption>
      <div class="chart-box">
        <canvas ref={ref} role="img" aria-label={heatInWords(h)} data-testid="heat-map" />
      </div>
    </figure>
  );
}

function Bars(props: {
  title: string;
  labels: string[];
  values: number[];
  horizontal?: boolean;
  testid: string;
  words: string;
}) {
  const ref = useChart(
    (canvas) => {
      const c = colours();
      return new Chart(canvas, {
        type: 'bar',
        data: {
          labels: props.labels,
          datasets: [{ data: props.values, backgroundColor: c.accent, borderRadius: 4 }],
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          indexAxis: props.horizontal ? 'y' : 'x',
          plugins: { legend: { display: false } },
          scales: {
            x: { ticks: { color: c.muted, precision: 0 }, grid: { color: c.grid } },
            y: { ticks: { color: c.muted, precision: 0 }, grid: { color: c.grid } },
          },
        },
      });
    },
    [props.values.join(','), props.labels.join(',')],
  );
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div class="chart-box small">
        <canvas ref={ref} role="img" aria-label={props.words} data-testid={props.testid} />
      </div>
    </figure>
  );
}

/** `rgb(r, g, b)` (a computed colour) with opacity `a`. */
function withAlpha(color: string, a: number): string {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(color);
  return m ? `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${a.toFixed(2)})` : color;
}

/** What the heat map shows, for a screen reader: the busiest slots. */
function heatInWords(h: HistoryView): string {
  const slots = h.heat
    .flatMap((row, d) => row.map((v, hr) => ({ v, at: `${DAYS[d]} ${hr}:00` })))
    .filter((x) => x.v > 0)
    .sort((a, b) => b.v - a.v)
    .slice(0, 3);
  return slots.length
    ? `Busiest: ${slots.map((s) => `${s.at} (${s.v.toFixed(1)} waiting)`).join(', ')}`
    : 'No one waited yet';
}

/** Staff: the History panel. */
export function HistoryPanel(props: { ctx: Ctx; onClose(): void }) {
  const { ctx } = props;
  const [h, setH] = useState<HistoryView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const close = useFocusOnOpen();
  useEffect(() => {
    void ctx.call('stats.history').then((r) => (r.ok ? setH(r.value) : setError(r.error.message)));
  }, []);
  const exportCsv = async (): Promise<void> => {
    const r = await ctx.call('stats.exportHistory');
    if (!r.ok) return ctx.toast(r.error.message, 'error');
    downloadCsv(r.value.csv, `baton-history-${new Date().toISOString().slice(0, 10)}.csv`);
  };
  const helped = h?.sessions.reduce((n, s) => n + s.helped, 0) ?? 0;
  return (
    <aside class="panel wide" aria-label="History" data-testid="history-panel">
      <div class="panel-head">
        <h2>Office hours so far</h2>
        <button class="ghost" ref={close} onClick={props.onClose} aria-label="Close history">
          ✕
        </button>
      </div>
      {!h ? (
        <p class="muted">{error ?? 'Loading…'}</p>
      ) : helped === 0 ? (
        <p class="muted">
          Nothing yet: this laptop keeps each session's figures once someone has been helped.
        </p>
      ) : (
        <div class="history">
          <p class="muted">
            {h.sessions.length} {h.sessions.length === 1 ? 'session' : 'sessions'} on this laptop,{' '}
            {helped} students helped. Kept here only, never shared.
          </p>
          <Heat h={h} />
          <Bars
            title="How long students waited (minutes)"
            labels={WAIT_LABELS}
            values={h.waits}
            testid="wait-chart"
            words={WAIT_LABELS.map((l, i) => `${l} min: ${h.waits[i]}`).join(', ')}
          />
          <Bars
            title="Helped per TA"
            labels={h.perTa.map((t) => t.ta)}
            values={h.perTa.map((t) => t.helped)}
            horizontal
            testid="ta-chart"
            words={h.perTa.map((t) => `${t.ta}: ${t.helped}`).join(', ')}
          />
          <table class="history-sessions">
            <thead>
              <tr>
                <th>Session</th>
                <th>Date</th>
                <th>Helped</th>
                <th>Median wait</th>
              </tr>
            </thead>
            <tbody>
              {[...h.sessions].reverse().map((s) => (
                <tr key={s.sessionId}>
                  <td>{s.name}</td>
                  <td>{new Date(s.firstAt).toLocaleDateString()}</td>
                  <td>{s.helped}</td>
                  <td>{formatDuration(s.medianWaitMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button onClick={() => void exportCsv()}>Export history (CSV)</button>
        </div>
      )}
    </aside>
  );
}
