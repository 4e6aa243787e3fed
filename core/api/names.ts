/**
 * The App API's method and event names, free of any dependency, so the sandboxed preload
 * can check names without bundling the schemas. `contract.ts` checks at compile time that
 * these lists match its schemas and event map exactly.
 */
export const METHOD_NAMES = [
  'status',
  'sessions.list',
  'session.create',
  'session.join',
  'session.connect',
  'session.leave',
  'profile.setName',
  'prefs.get',
  'prefs.set',
  'queue.get',
  'queue.join',
  'queue.edit',
  'queue.withdraw',
  'queue.exportCsv',
  'staff.login',
  'staff.logout',
  'staff.helpNext',
  'staff.help',
  'staff.start',
  'staff.done',
  'staff.requeue',
  'staff.remove',
  'staff.setOpen',
  'staff.setAnnouncement',
  'staff.clearFinished',
  'staff.stats',
  'diag.stats',
] as const;

export const EVENT_NAMES = [
  'state',
  'role',
  'members',
  'sessions',
  'hostChanged',
  'called',
  'joinedEmpty',
  'prefs',
] as const;
