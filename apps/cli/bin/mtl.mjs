#!/usr/bin/env node
// The built `mtl`: runs dist/bundle/mtl.js, (re)building it first when it is missing or older than
// a workspace source, so an edit never runs stale code.
import { pathToFileURL } from "node:url";
import { BUNDLE, buildCli, isStale } from "../scripts/build.mjs";

if (isStale()) await buildCli();
await import(pathToFileURL(BUNDLE).href);
