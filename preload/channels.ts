/**
 * The two IPC channels between the main process and the preload, named once for both:
 * `call` (invoke: method, params → ApiResult) and `event` (send: name, data).
 */
export const IPC = {
  call: 'baton:call',
  event: 'baton:event',
} as const;
