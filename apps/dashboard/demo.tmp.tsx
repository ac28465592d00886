/** @jsxRuntime automatic @jsxImportSource react */
import { render } from "ink-testing-library";
import { SqliteSource } from "./src/sqlite-source.ts";
import { Dashboard } from "./src/ui/Dashboard.tsx";
import { buildFixture } from "./src/test-fixtures.ts";
const f = buildFixture();
const source = new SqliteSource({ store: f.store });
const cols = Number(process.argv[2] ?? 80), rows = Number(process.argv[3] ?? 24);
const keys = (process.argv[4] ?? "").split(",").filter(Boolean);
const app = render(<Dashboard source={source} size={{ columns: cols, rows }} intervalMs={100000} />);
const map: Record<string,string> = { down: "\u001b[B", up: "\u001b[A", enter: "\r", esc: "\u001b", tab: "\t" };
await new Promise((r) => setTimeout(r, 200));
for (const k of keys) { app.stdin.write(map[k] ?? k); await new Promise((r) => setTimeout(r, 150)); }
await new Promise((r) => setTimeout(r, 200));
console.log(app.lastFrame());
app.unmount(); f.cleanup();
