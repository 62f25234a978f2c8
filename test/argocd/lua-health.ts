import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs an Argo CD health script the way Argo CD's controller does, with two interpreters: the real Lua 5.1, and
 * gopher-lua (the Lua 5.1 implementation Argo CD embeds; test/argocd/gopher-lua). The resource is a global `obj` table
 * (objects and arrays as tables, arrays 1-based, null fields absent) and the script's chunk returns
 * `{ status, message }`. Only the libraries Argo CD opens by default are there (base and table: no string, math, io
 * or os), so a script that reaches for them fails here as it would in Argo CD.
 */

export const ARGO_HEALTH_STATUSES = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'];

export interface HealthStatus {
  status: string;
  message: string;
}

export class LuaError extends Error {}

/** A Lua 5.1 literal for a decoded YAML/JSON value; Lua's "%q"-style escaping keeps any byte intact. */
export function toLua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot pass ${value} to Lua`);
    return String(value);
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    let out = '"';
    for (const b of bytes) {
      if (b === 0x22) out += '\\"';
      else if (b === 0x5c) out += '\\\\';
      else if (b < 0x20 || b === 0x7f) out += `\\${String(b).padStart(3, '0')}`;
      else out += String.fromCharCode(b);
    }
    return `${out}"`;
  }
  if (value instanceof Date) return toLua(value.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  if (Array.isArray(value)) return `{${value.map(toLua).join(', ')}}`;
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `[${toLua(k)}] = ${toLua(v)}`);
    return `{${fields.join(', ')}}`;
  }
  throw new Error(`cannot pass ${typeof value} to Lua`);
}

// Runs the script in an environment holding only what Argo CD gives health scripts, then prints status NUL message.
const DRIVER = `
local script, obj = ...
local env = {
  obj = obj,
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall, select = select,
  tonumber = tonumber, tostring = tostring, type = type, unpack = unpack, rawget = rawget, rawset = rawset,
  rawequal = rawequal, setmetatable = setmetatable, getmetatable = getmetatable, print = print,
  table = table,
}
-- Without Argo CD's string library, strings have no methods (s:upper()) either.
local stringMeta = getmetatable("")
local stringIndex = stringMeta.__index
stringMeta.__index = nil
local chunk, err = loadfile(script)
if chunk == nil then io.stderr:write(err) os.exit(2) end
setfenv(chunk, env)
local ok, hs = pcall(chunk)
stringMeta.__index = stringIndex
if not ok then io.stderr:write(tostring(hs)) os.exit(3) end
if type(hs) ~= "table" then io.stderr:write("the script returned " .. type(hs) .. ", not a table") os.exit(4) end
if type(hs.status) ~= "string" or (hs.message ~= nil and type(hs.message) ~= "string") then
  io.stderr:write("status and message must be strings") os.exit(5)
end
io.write(hs.status, "\\0", hs.message or "")
`;

export function runHealthLua(lua: string, scriptPath: string, obj: unknown): HealthStatus {
  const dir = mkdtempSync(join(tmpdir(), 'medallion-lua-'));
  try {
    const driver = join(dir, 'driver.lua');
    // The object goes in as a literal argument. toLua escapes strings byte by byte (chars 0x80-0xff stand for raw
    // bytes), so the file is written as latin1 to keep each of them one byte.
    writeFileSync(
      driver,
      Buffer.from(
        `local run = function(...)\n${DRIVER}\nend\nrun(${toLua(scriptPath)}, ${toLua(obj)})\n`,
        'latin1',
      ),
    );
    const r = spawnSync(lua, [driver], { encoding: 'utf8' });
    if (r.error) throw new LuaError(`cannot run ${lua}: ${r.error.message}`, { cause: r.error });
    if (r.status !== 0) throw new LuaError(`${scriptPath}: exit ${r.status}: ${r.stderr.trim()}`);
    const [status = '', message = ''] = r.stdout.split('\0');
    return { status, message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same contract through gopher-lua: `bin` is test/argocd/setup-gopher-lua.sh's gopher-health. */
export function runHealthGopher(bin: string, scriptPath: string, obj: unknown): HealthStatus {
  const r = spawnSync(bin, [scriptPath], { input: JSON.stringify(obj), encoding: 'utf8' });
  if (r.error) throw new LuaError(`cannot run ${bin}: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw new LuaError(`${scriptPath}: exit ${r.status}: ${r.stderr.trim()}`);
  const [status = '', message = ''] = r.stdout.split('\0');
  return { status, message };
}
