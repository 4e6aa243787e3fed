import { type ApiErrorCode, CodedError, type EngineErrorCode } from '../errors';
import type { ErrorInfo } from '../result';
import { type QueueErrorCode, type QueueOp, STAFF_OPS } from '../queue/commands';
import { type ApiResult, type Method, type Params, type Results, paramsSchema } from './contract';

/** The App API's request path: validate untrusted params, run the handler, code every error. */

/** Every code the App API answers with. */
export type ErrorCode = EngineErrorCode | ApiErrorCode | QueueErrorCode;

/** An expected failure with a code the UI and scripts can switch on. */
export class ApiError extends CodedError<ErrorCode> {
  override name = 'ApiError';

  /** The host's refusal of a command, as it came over the wire (its code is a string there). */
  static of(e: ErrorInfo): ApiError {
    return new ApiError(e.code as ErrorCode, e.message);
  }
}

export type Handler<M extends Method> = (p: Params<M>) => Promise<Results[M]> | Results[M];
export type Handlers = { [M in Method]: Handler<M> };

/** Call a method by name with untrusted params: validated, never throws. */
export async function callValidated<M extends Method>(
  handlers: Handlers,
  method: M,
  params: unknown,
  log?: (line: string) => void,
): Promise<ApiResult<Results[M]>> {
  const schema = paramsSchema[method] as (typeof paramsSchema)[Method] | undefined;
  if (!schema)
    return { ok: false, error: { code: 'unknown-method', message: `no method ${String(method)}` } };
  const parsed = schema.safeParse(params ?? undefined);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    const field = i?.path.join('.');
    return {
      ok: false,
      error: {
        code: 'validation',
        message: i ? i.message : 'invalid params',
        ...(field ? { field } : {}),
      },
    };
  }
  try {
    const handler = handlers[method] as Handler<M>;
    return { ok: true, value: await handler(parsed.data as Params<M>) };
  } catch (e) {
    if (e instanceof CodedError) return { ok: false, error: { code: e.code, message: e.message } };
    log?.(`internal error in ${method}: ${(e as Error).stack ?? String(e)}`);
    return { ok: false, error: { code: 'internal', message: (e as Error).message } };
  }
}

/** The App API method a pending queue command came from ("sending…" labels). */
export function methodOf(body: unknown): string {
  const op = (body as { op?: unknown } | null)?.op;
  if (typeof op !== 'string') return 'unknown';
  const staff = STAFF_OPS.has(op as QueueOp) || ['login', 'logout', 'expire'].includes(op);
  return `${staff ? 'staff' : 'queue'}.${op}`;
}
