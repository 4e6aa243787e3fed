import type { SimApp } from '../../test/sim/set-app';
import { type DiaryState, diaryApp, diaryEntries } from './diary-app';

/** The diary as an app under test in the simulated room: each value is one entry's text. */
export const DIARY_SIM: SimApp<DiaryState> = {
  app: diaryApp,
  command: (value) => ({ op: 'write', author: 'sim', text: value }),
  values: (state) => diaryEntries(state).map((e) => e.text),
};
