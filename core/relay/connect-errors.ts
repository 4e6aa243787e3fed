import { errors } from '@nats-io/nats-core';
import { RelayError } from './settings';

/** A first connection's failure, in words a TA can act on. */
export function explainConnectFailure(e: unknown, servers: string[]): RelayError {
  const m = e instanceof Error ? e.message : String(e);
  const where = servers.join(', ');
  if (e instanceof errors.AuthorizationError || /authoriz|authenticat/i.test(m))
    return new RelayError('auth', `the relay ${where} refused the credentials (${m})`);
  if (/timeout/i.test(m))
    return new RelayError(
      'timeout',
      `the relay ${where} did not answer in time: is it a NATS server?`,
    );
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|connection refused/i.test(m))
    return new RelayError('unreachable', `cannot reach the relay ${where} (${m})`);
  return new RelayError('not-nats', `the relay ${where} failed: ${m}`);
}
