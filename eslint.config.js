// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "node_modules/**", "data/**", "bench/results/**", "coverage/**", "docs/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["*.js", "*.mjs", "client-sdk/*.mjs", "console/*.mjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "**/server/src/**",
                "**/outputs/src/**",
                "**/worker/src/**",
                "**/protocol/src/**",
                "**/client-sdk/src/**",
                "**/console/src/**",
              ],
              message: "Import a package through its index (e.g. @liveline/worker).",
            },
          ],
        },
      ],
    },
  },
  {
    // The SDK runs in browsers and React Native, the console in browsers: no Node built-ins, and
    // protocol types only.
    files: ["client-sdk/src/**/*.ts", "console/src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["node:*", "fs", "path", "crypto", "events", "stream", "buffer", "util"],
              message: "The SDK must not use Node built-ins.",
            },
          ],
          paths: [
            {
              name: "zod",
              message: "zod must not enter the SDK bundle; import types from @liveline/protocol with `import type`.",
            },
          ],
        },
      ],
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@liveline/protocol",
              allowTypeImports: true,
              message:
                "Use `import type` from @liveline/protocol in the SDK; values come from @liveline/protocol/constants (zod-free).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["test/**/*.ts", "client-sdk/test/**/*.ts"],
    rules: { "@typescript-eslint/no-unsafe-member-access": "off", "@typescript-eslint/no-unsafe-assignment": "off" },
  },
  { files: ["**/*.js", "**/*.mjs"], ...tseslint.configs.disableTypeChecked },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { URL: "readonly", process: "readonly", console: "readonly" } },
  },
);
