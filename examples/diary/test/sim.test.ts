import { appFaultScenarios } from '../../../test/sim/app-scenarios';
import { diaryEntries } from '../diary-app';
import { DIARY_SIM } from '../sim-app';

// The engine's fault scenarios (test/sim/app-scenarios.ts), run against the diary through
// the same simulated-room harness as the queue's set app: any app on the engine gets the
// same guarantees. The chat runs the same scenarios (examples/chat/test/sim.test.ts).

appFaultScenarios('diary', {
  ...DIARY_SIM,
  order: (s) => diaryEntries(s).map((e) => e.id),
  numbers: (s) => diaryEntries(s).map((e) => e.n),
  count: (s) => s?.count ?? 0,
  invalid: { op: 'write', author: '', text: 'x'.repeat(3_000) },
});
