// Validate .glb files with the Khronos glTF validator (npm package gltf-validator).
// Usage: node tools/gltf_validate.mjs FILE.glb [...]   (NODE_PATH may point at its node_modules)
// Prints one JSON line per file: {"file", "errors", "warnings", "infos", "messages": [...]}; exits 1 on errors.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.cwd(), "noop.js"));
let validator;
try {
  validator = require("gltf-validator");
} catch (e) {
  console.error("gltf-validator is not installed (npm install gltf-validator)");
  process.exit(3);
}
let failed = false;
for (const file of process.argv.slice(2)) {
  const report = await validator.validateBytes(new Uint8Array(readFileSync(file)), { maxIssues: 50 });
  const i = report.issues;
  console.log(JSON.stringify({ file, errors: i.numErrors, warnings: i.numWarnings, infos: i.numInfos,
    messages: i.messages.slice(0, 20).map((m) => `${m.code} ${m.pointer || ""} ${m.message}`) }));
  if (i.numErrors > 0) failed = true;
}
process.exit(failed ? 1 : 0);
