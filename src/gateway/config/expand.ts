/**
 * `${VAR}` in header values (and URLs) comes from the environment, so a
 * config file or command line can name a credential without containing it.
 * A variable that is not set is an error at start, never an empty header.
 */
export function expandVariables(text: string, env: NodeJS.ProcessEnv, where: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`${where}: environment variable ${name} is not set (referenced as \${${name}})`);
    return value;
  });
}

/** `Name: value` (as curl's -H), value expanded. */
export function parseHeader(spec: string, env: NodeJS.ProcessEnv, where: string): [string, string] {
  const colon = spec.indexOf(':');
  const name = colon > 0 ? spec.slice(0, colon).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new Error(`${where}: expected "Name: value", got a header without a valid name`);
  return [name, expandVariables(spec.slice(colon + 1).trim(), env, `${where} ${name}`)];
}
