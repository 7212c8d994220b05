/** Who calls when the server runs without API keys (it then serves loopback only). */
export const ANONYMOUS = 'anonymous';
