// End-to-end run of the official Orkes Conductor JavaScript SDK (@io-orkes/conductor-javascript 4.0.0),
// unchanged, against this service: register two versions of a workflow, start v1, hold its SIMPLE task in a
// TaskManager worker, upgrade the running execution to v2, finish it, and check that it ends COMPLETED on v2
// with the task added before the running one SKIPPED.
//
// Environment:
//   CONDUCTOR_SERVER_URL    e.g. http://127.0.0.1:8080/api (the SDK strips a trailing /api itself)
//   CONDUCTOR_AUTH_KEY      application key id     (the SDK exchanges key and secret at POST /api/token)
//   CONDUCTOR_AUTH_SECRET   application key secret
//   SDK_E2E_TIMEOUT_MS      overall time limit, default 60000
//
// On success the last line of stdout is a one-line JSON summary and the exit code is 0; on any failure the
// reason is printed to stderr as "SDK-E2E FAILED: ..." and the exit code is non-zero.

import {
  orkesConductorClient,
  MetadataClient,
  WorkflowExecutor,
  TaskManager,
  simpleTask,
  inlineTask,
  workflow,
} from "@io-orkes/conductor-javascript";

const TIMEOUT_MS = Number(process.env.SDK_E2E_TIMEOUT_MS || 60000);
const SERVER_URL = process.env.CONDUCTOR_SERVER_URL;
const KEY_ID = process.env.CONDUCTOR_AUTH_KEY;
const KEY_SECRET = process.env.CONDUCTOR_AUTH_SECRET;

const fail = (message, cause) => {
  console.error(`SDK-E2E FAILED: ${message}`);
  if (cause) {
    console.error(cause?.stack ?? cause);
    if (cause?._trace) console.error("caused by:", cause._trace?.stack ?? cause._trace);
  }
  process.exit(1);
};

const overall = setTimeout(() => fail(`not done within ${TIMEOUT_MS} ms (step: ${step})`), TIMEOUT_MS);
overall.unref();

process.on("unhandledRejection", (e) => fail(`unhandled rejection (step: ${step})`, e));

let step = "configuration";
const started = Date.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` every 100 ms until `done(value)`; fails with `what` after `ms`. */
async function until(what, read, done, ms = 20000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await read();
    if (done(last)) return last;
    await sleep(100);
  }
  throw new Error(`${what}: not reached within ${ms} ms; last seen: ${JSON.stringify(summaryOf(last))}`);
}

const summaryOf = (wf) => wf && {
  status: wf.status,
  workflowVersion: wf.workflowVersion,
  tasks: (wf.tasks ?? []).map((t) => `${t.referenceTaskName}:${t.status}`),
};

const taskOf = (wf, ref) => (wf.tasks ?? []).find((t) => t.referenceTaskName === ref);

const check = (condition, message) => {
  if (!condition) throw new Error(message);
};

async function main() {
  if (!SERVER_URL) throw new Error("CONDUCTOR_SERVER_URL is not set (e.g. http://127.0.0.1:8080/api)");
  if (!KEY_ID || !KEY_SECRET) throw new Error("CONDUCTOR_AUTH_KEY and CONDUCTOR_AUTH_SECRET must be set");

  step = "authenticating (POST /api/token)";
  const client = await orkesConductorClient({ serverUrl: SERVER_URL, keyId: KEY_ID, keySecret: KEY_SECRET });
  const metadata = new MetadataClient(client);
  const executor = new WorkflowExecutor(client);

  const suffix = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const name = `js_sdk_upgrade_${suffix}`;
  const reviewType = `js_review_${suffix}`;
  const notifyType = `js_notify_${suffix}`;

  step = "registering the definitions (MetadataClient)";
  await metadata.registerTasks([
    { name: reviewType, retryCount: 0, timeoutSeconds: 0, responseTimeoutSeconds: 3600, ownerEmail: "sdk@example.com" },
    { name: notifyType, retryCount: 0, timeoutSeconds: 0, responseTimeoutSeconds: 3600, ownerEmail: "sdk@example.com" },
  ]);
  const v1 = workflow(name, [simpleTask("review", reviewType, { doc: "${workflow.input.doc}" })]);
  const v2 = {
    ...workflow(name, [
      inlineTask("prep", "(function () { return { prepared: true }; })();", "graaljs"),
      simpleTask("review", reviewType, { doc: "${workflow.input.doc}" }),
      simpleTask("notify", notifyType, { reviewer: "${workflow.input.reviewer}", approved: "${review.output.approved}" }),
    ]),
    version: 2,
    outputParameters: { approved: "${review.output.approved}", notified: "${notify.output.notified}" },
  };
  await metadata.registerWorkflowDef(v1);
  await metadata.registerWorkflowDef(v2);
  const stored = await metadata.getWorkflowDef(name, 2);
  check(stored?.version === 2 && stored.tasks?.length === 3,
    `getWorkflowDef(${name}, 2) read back ${JSON.stringify(stored)}`);

  step = "starting version 1 (WorkflowExecutor.startWorkflow)";
  const workflowId = await executor.startWorkflow({ name, version: 1, input: { doc: "d-42" } });
  check(typeof workflowId === "string" && workflowId.length > 0, `startWorkflow returned ${JSON.stringify(workflowId)}`);

  // The review worker holds its task IN_PROGRESS until the execution shows version 2, then completes it.
  let reviewPicked;
  const reviewPickedUp = new Promise((resolve) => { reviewPicked = resolve; });
  const seen = { review: [], notify: [] };
  const workers = [
    {
      taskDefName: reviewType,
      pollInterval: 100,
      concurrency: 1,
      execute: async (task) => {
        seen.review.push(task.taskId);
        reviewPicked(task);
        await until("review worker: execution upgraded to version 2",
          () => executor.getWorkflow(task.workflowInstanceId, false), (wf) => wf?.workflowVersion === 2, 30000);
        return { status: "COMPLETED", outputData: { approved: true, heldUntilVersion: 2 } };
      },
    },
    {
      taskDefName: notifyType,
      pollInterval: 100,
      concurrency: 1,
      execute: async (task) => {
        seen.notify.push(task.taskId);
        return { status: "COMPLETED", outputData: { notified: true, reviewer: task.inputData?.reviewer ?? null } };
      },
    },
  ];
  const quiet = { debug() {}, info() {}, warn: (...a) => console.error("WARN", ...a), error: (...a) => console.error("ERROR", ...a) };
  const manager = new TaskManager(client, workers, {
    logger: quiet,
    options: { workerID: "js-sdk-e2e", batchPollingTimeout: 100 },
    onError: (error) => console.error("worker error:", error?.message ?? error),
  });

  step = "polling review with the TaskManager";
  manager.startPolling();
  try {
    const picked = await Promise.race([
      reviewPickedUp,
      sleep(20000).then(() => { throw new Error("the review task was not polled within 20 s"); }),
    ]);
    const running = await executor.getWorkflow(workflowId, true);
    check(running.status === "RUNNING" && running.workflowVersion === 1,
      `before the upgrade: ${JSON.stringify(summaryOf(running))}`);
    check(taskOf(running, "review")?.status === "IN_PROGRESS",
      `review is not IN_PROGRESS while the worker holds it: ${JSON.stringify(summaryOf(running))}`);

    // WorkflowExecutor 4.0.0 has no upgrade method, and the generated WorkflowResource (which has
    // upgradeRunningWorkflowToVersion) is not exported: the SDK client's own generic request is used,
    // with the same path, security and headers as that generated method.
    step = "upgrading to version 2 (client.post /api/workflow/{workflowId}/upgrade)";
    const { data: accepted, response } = await client.post({
      url: "/api/workflow/{workflowId}/upgrade",
      path: { workflowId },
      security: [{ name: "X-Authorization", type: "apiKey" }],
      headers: { "Content-Type": "application/json" },
      body: {
        name,
        version: 2,
        taskOutput: { prep: { prepared: "by-upgrade" } },
        workflowInput: { reviewer: "js-sdk" },
      },
      throwOnError: true,
    });
    check(response.status === 200 && accepted?.commandId && accepted.toVersion === 2,
      `upgrade answered HTTP ${response.status}: ${JSON.stringify(accepted)}`);

    step = "waiting for the upgrade to be applied (WorkflowExecutor.getWorkflow)";
    const upgraded = await until("execution at version 2", () => executor.getWorkflow(workflowId, true),
      (wf) => wf?.workflowVersion === 2);
    check(taskOf(upgraded, "prep")?.status === "SKIPPED", `prep not SKIPPED: ${JSON.stringify(summaryOf(upgraded))}`);
    check(taskOf(upgraded, "review")?.taskId === picked.taskId,
      `the held review task changed identity: ${picked.taskId} -> ${taskOf(upgraded, "review")?.taskId}`);

    step = "completing review and notify (TaskManager workers)";
    const done = await until("execution COMPLETED", () => executor.getWorkflow(workflowId, true),
      (wf) => ["COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"].includes(wf?.status));
    check(done.status === "COMPLETED", `ended ${done.status}: ${JSON.stringify(summaryOf(done))} `
      + `reason: ${done.reasonForIncompletion ?? ""}`);
    check(done.workflowVersion === 2, `completed on version ${done.workflowVersion}`);
    check(taskOf(done, "prep")?.status === "SKIPPED", `prep: ${taskOf(done, "prep")?.status}`);
    check(taskOf(done, "review")?.status === "COMPLETED", `review: ${taskOf(done, "review")?.status}`);
    check(taskOf(done, "notify")?.status === "COMPLETED", `notify: ${taskOf(done, "notify")?.status}`);
    check(done.input?.reviewer === "js-sdk" && done.input?.doc === "d-42",
      `workflow input after the upgrade: ${JSON.stringify(done.input)}`);
    check(done.output?.approved === true && done.output?.notified === true,
      `workflow output: ${JSON.stringify(done.output)}`);
    check(seen.review.length === 1 && seen.notify.length === 1,
      `worker executions: ${JSON.stringify(seen)}`);

    const summary = {
      sdk: "@io-orkes/conductor-javascript@4.0.0",
      workflowName: name,
      workflowId,
      commandId: accepted.commandId,
      status: done.status,
      workflowVersion: done.workflowVersion,
      tasks: Object.fromEntries(done.tasks.map((t) => [t.referenceTaskName, t.status])),
      output: done.output,
      elapsedMs: Date.now() - started,
    };
    step = "stopping the workers";
    await manager.stopPolling();
    client.stopBackgroundRefresh?.();
    return summary;
  } finally {
    if (manager.isPolling) await manager.stopPolling().catch(() => {});
  }
}

main().then((summary) => {
  console.log(JSON.stringify(summary));
  process.exit(0);
}, (error) => fail(`${step}: ${error?.message ?? error}`, error));
