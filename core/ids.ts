/** Branded identifiers: a MemberId cannot be passed where a SessionId is expected. */
export type MemberId = string & { readonly __memberId: true };
export type SessionId = string & { readonly __sessionId: true };
export type DeviceId = string & { readonly __deviceId: true };
export type CommandId = string & { readonly __commandId: true };

/** UUIDv7 text form: lower-case hex, version nibble 7, RFC 4122 variant. */
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const asMemberId = (s: string): MemberId => s as MemberId;
export const asSessionId = (s: string): SessionId => s as SessionId;
export const asDeviceId = (s: string): DeviceId => s as DeviceId;
export const asCommandId = (s: string): CommandId => s as CommandId;

/** Millisecond timestamp carried in the first 48 bits of a UUIDv7. */
export function uuidV7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
