import { randomBytes } from 'node:crypto';

/**
 * Session ids are 256 random bits in base64url: globally unique, unguessable,
 * and inside the spec's visible-ASCII range. Anything that does not have this
 * exact shape cannot be one of ours, so it is rejected without a store lookup
 * (garbage and oversized ids cost nothing).
 */
const SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function mintSessionId(): string {
  return randomBytes(32).toString('base64url');
}

export function isSessionIdShape(id: string): boolean {
  return SHAPE.test(id);
}

/**
 * A presented id as it may appear in logs and bodies: at most 64 characters,
 * so a garbage header cannot flood a log line. JSON escaping takes care of
 * control characters.
 */
export function presentedId(id: string): string {
  return id.length <= 64 ? id : `${id.slice(0, 64)}...`;
}
