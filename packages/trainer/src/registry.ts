/**
 * Named registries of datasets, architectures and strategies. A trial names what it uses; workers
 * resolve the names here, so nothing executable travels with a trial.
 */
import { formatIssues } from "@mtl/spec";
import { z } from "zod";

/** How a registered module is listed (e.g. by `mtl list`). */
export interface RegistryEntry {
  name: string;
  description: string;
  options: { name: string; type: string; default?: unknown; description: string }[];
}

/** What every registered module has: a name, a description and a zod schema of its options. */
export interface Registrable {
  name: string;
  description: string;
  /** Options schema; should be a strict `z.object` whose fields carry `.describe()` texts. */
  options: z.ZodType;
}

/** Thrown for unknown names and invalid options; the message names the culprit. */
export class RegistryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RegistryError";
  }
}

export class Registry<T extends Registrable> {
  readonly #items = new Map<string, T>();
  constructor(readonly kind: string) {}

  /** Adds (or replaces, e.g. in tests) a module under its name. */
  register(item: T): void {
    if (!/^[A-Za-z0-9_.-]+$/.test(item.name))
      throw new RegistryError(`invalid ${this.kind} name "${item.name}"`);
    this.#items.set(item.name, item);
  }

  has(name: string): boolean {
    return this.#items.has(name);
  }

  get(name: string): T {
    const item = this.#items.get(name);
    if (!item)
      throw new RegistryError(
        `unknown ${this.kind} "${name}" (registered: ${[...this.#items.keys()].sort().join(", ")})`,
      );
    return item;
  }

  /** Resolves a module and validates options for it. */
  resolve(name: string, options: unknown): { item: T; options: z.output<T["options"]> } {
    const item = this.get(name);
    const parsed = item.options.safeParse(options ?? {});
    if (!parsed.success)
      throw new RegistryError(
        `invalid options for ${this.kind} "${name}": ${formatIssues(parsed.error).join("; ")}`,
        { cause: parsed.error },
      );
    return { item, options: parsed.data as z.output<T["options"]> };
  }

  list(): RegistryEntry[] {
    return listEntries(this.#items.values());
  }
}

/** Modules as `mtl list` shows them, sorted by name (the registries and the catalog list alike). */
export function listEntries(items: Iterable<Registrable>): RegistryEntry[] {
  return [...items]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((item) => ({
      name: item.name,
      description: item.description,
      options: describeOptions(item.options),
    }));
}

/** Reads option names, types, defaults and descriptions from the schema itself, so docs cannot drift. */
export function describeOptions(schema: z.ZodType): RegistryEntry["options"] {
  let json: Record<string, unknown>;
  try {
    json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  } catch {
    return [];
  }
  const props = (json.properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(props).map(([name, p]) => {
    const entry: RegistryEntry["options"][number] = {
      name,
      type: typeName(p),
      description: typeof p.description === "string" ? p.description : "",
    };
    if ("default" in p) entry.default = p.default;
    return entry;
  });
}

function typeName(p: Record<string, unknown>): string {
  if (Array.isArray(p.enum)) return p.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (p.type === "array") {
    const items = p.items as Record<string, unknown> | undefined;
    return `${items ? typeName(items) : "unknown"}[]`;
  }
  if (typeof p.type === "string") return p.type;
  const alts = (p.anyOf ?? p.oneOf) as Record<string, unknown>[] | undefined;
  if (Array.isArray(alts)) return alts.map(typeName).join(" | ");
  if (Array.isArray(p.type)) return p.type.join(" | ");
  return "unknown";
}
