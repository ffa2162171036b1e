// `npm run check:types`: the typecheck (`npm run typecheck`) and ESLint (`npm run lint:eslint`) in
// one process over one TypeScript program. Apart, tsc builds the program of tsconfig.json and
// ESLint's type-aware rules build the same program again through typescript-eslint's project
// service; here ESLint is handed the program the typecheck built and checked (parserOptions.programs),
// so the files are parsed, bound and typed once. The rules, the files and the limits are those of
// eslint.config.js and tsconfig.json; the exit code is non-zero on a type error or on any ESLint
// error or warning (`--max-warnings 0`).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The program of tsconfig.json, as `tsc -p tsconfig.json` builds it, with parent pointers for ESLint. */
function program(): ts.Program {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (config === undefined) throw new Error("tsconfig.json could not be read");
  const host = ts.createCompilerHost(config.options, true);
  return ts.createProgram({
    rootNames: config.fileNames,
    options: config.options,
    host,
    configFileParsingDiagnostics: config.errors,
  });
}

const checked = program();
const diagnostics = ts.getPreEmitDiagnostics(checked);
if (diagnostics.length > 0) {
  process.stdout.write(
    ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => "\n",
    }),
  );
}

const eslint = new ESLint({
  cwd: root,
  // Type-aware files (the TypeScript ones; eslint.config.js turns type information off for .js
  // and .mjs) read their types from the program above instead of the project service.
  overrideConfig: [
    { files: ["**/*.ts"], languageOptions: { parserOptions: { projectService: false, programs: [checked] } } },
  ],
});
const results = await eslint.lintFiles(["."]);
const formatter = await eslint.loadFormatter("stylish");
const report = await formatter.format(results);
if (report !== "") process.stdout.write(report);
const problems = results.reduce((n, r) => n + r.errorCount + r.warningCount, 0);

process.stdout.write(`typecheck: ${diagnostics.length} errors; eslint: ${problems} problems\n`);
process.exitCode = diagnostics.length > 0 || problems > 0 ? 1 : 0;
