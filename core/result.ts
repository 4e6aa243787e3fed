/** Results that cross IPC and stdio: switchable error codes, never thrown exceptions. */
export type ErrorInfo = { code: string; message: string };
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = (code: string, message: string): Result<never> => ({
  ok: false,
  error: { code, message },
});
