import { afterAll } from "vitest";
import { killStrayRoles } from "./helpers/role-process.js";

// Runs before every test file. Its hook runs after the file's own: whatever happened in the
// file (a setup that failed half-way included), no role process it started outlives it.
afterAll(killStrayRoles);
