/** The per-request values every console route can read. */
import type { SessionCodec } from './auth/session-codec.js';

export interface Viewer {
  principal: string;
  operator: boolean;
}

export type ConsoleEnv = {
  Variables: {
    /** Who is signed in (everyone is 'anonymous' and operator when the server has no API keys). */
    viewer: Viewer | undefined;
    /** The token every form of this page carries. */
    csrf: string;
    codec: SessionCodec;
    /** The parsed form of a POST, once its CSRF token checked out. */
    form: Record<string, string | File>;
  };
};
