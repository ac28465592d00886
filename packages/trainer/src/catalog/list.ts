/** `mtl list` from the catalog: the same entries as the runtime registries, without TensorFlow.js. */
import { listEntries, type RegistryEntry } from "../registry.ts";
import { catalog } from "./catalog.ts";

/** The kinds of module `mtl list` shows. */
export const CATALOG_KINDS = ["strategies", "datasets", "architectures"] as const;
export type CatalogKind = (typeof CATALOG_KINDS)[number];

/** The built-in modules of one kind, sorted by name, with their options read from the schemas. */
export function listCatalog(kind: CatalogKind): RegistryEntry[] {
  return listEntries(catalog[kind].values());
}
