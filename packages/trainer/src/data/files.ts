/**
 * Reading a data file a trial names, safely: only inside the folders the caller allows
 * (TrainHooks.dataDirs), only regular files, at most a capped size, cancellably, and without
 * ever echoing the file's contents into an error (a path into /etc must not come back as
 * "column root:x:0:0").
 *
 * A relative path resolves against the folders in order (the first that has it wins); an
 * absolute one must lie inside one of them. Both are checked after resolving symlinks, so
 * neither `..` nor a link can lead outside. The file is opened non-blocking (a FIFO cannot hang
 * the open) and checked with fstat on the open descriptor before a byte is read.
 */
import { constants } from "node:fs";
import { type FileHandle, open, realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";

/** A data file cannot be read (the message names the path as given, never the contents). */
export class DataFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DataFileError";
  }
}

const CHUNK = 1 << 20;

function inside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** The real path of `path` inside one of `dataDirs`, or a DataFileError saying why not. */
export async function locateDataFile(path: string, dataDirs: readonly string[]): Promise<string> {
  if (dataDirs.length === 0)
    throw new DataFileError(`"${path}": no data folder is allowed here (the runner passes dataDirs)`);
  const dirs = await Promise.all(
    dataDirs.map(async (d) => {
      try {
        return await realpath(resolve(d));
      } catch {
        return undefined;
      }
    }),
  );
  const candidates = isAbsolute(path) ? [resolve(path)] : dataDirs.map((d) => resolve(d, path));
  for (const candidate of candidates) {
    if (!isAbsolute(path)) {
      // The path as written must stay in its folder (no `..` escape), before symlinks too.
      const dir = resolve(dataDirs[candidates.indexOf(candidate)] as string);
      if (!inside(dir, candidate)) throw new DataFileError(`"${path}" leads outside the data folders`);
    }
    if (!(await exists(candidate))) continue;
    const real = await realpath(candidate);
    if (!dirs.some((d) => d !== undefined && inside(d, real)))
      throw new DataFileError(`"${path}" lies outside the data folders (${dataDirs.join(", ")})`);
    return real;
  }
  throw new DataFileError(
    isAbsolute(path)
      ? `"${path}" does not exist`
      : `"${path}" is not in any data folder (${dataDirs.join(", ")})`,
  );
}

/**
 * Reads a regular file inside `dataDirs`: all of it (refusing one over `maxBytes`), or with
 * `head` only its first `head` bytes. `complete` says whether the text is the whole file.
 */
export async function readDataFile(
  path: string,
  ctx: { dataDirs: readonly string[]; signal?: AbortSignal },
  limits: { maxBytes: number; head?: number },
): Promise<{ text: string; complete: boolean }> {
  const file = await locateDataFile(path, ctx.dataDirs);
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (err) {
    throw new DataFileError(
      `"${path}" cannot be opened (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      {
        cause: err,
      },
    );
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new DataFileError(`"${path}" is not a regular file`);
    const want = limits.head !== undefined ? Math.min(info.size, limits.head) : info.size;
    if (limits.head === undefined && info.size > limits.maxBytes)
      throw new DataFileError(`"${path}" has ${info.size} bytes, more than the ${limits.maxBytes} allowed`);
    const buffer = Buffer.alloc(want);
    let at = 0;
    while (at < want) {
      ctx.signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, at, Math.min(CHUNK, want - at), at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    ctx.signal?.throwIfAborted();
    return { text: buffer.subarray(0, at).toString("utf8"), complete: at >= info.size };
  } finally {
    await handle.close();
  }
}
