// The worker role alone: `node worker/dist/main.js` (or ROLE=worker with the server's entry point).
import { main, runProcess } from "@liveline/core";
import { workerProcess } from "./worker-process.js";

main(() => runProcess(workerProcess));
