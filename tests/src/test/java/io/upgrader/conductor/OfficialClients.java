package io.upgrader.conductor;

import com.netflix.conductor.client.http.ConductorClient;
import com.netflix.conductor.client.http.MetadataClient;
import com.netflix.conductor.client.http.TaskClient;
import com.netflix.conductor.client.http.WorkflowClient;
import com.netflix.conductor.client.worker.Worker;
import com.netflix.conductor.common.metadata.tasks.Task;
import com.netflix.conductor.common.metadata.tasks.TaskResult;
import com.netflix.conductor.common.metadata.workflow.StartWorkflowRequest;
import com.netflix.conductor.common.metadata.workflow.WorkflowDef;
import com.netflix.conductor.common.metadata.workflow.WorkflowTask;
import com.netflix.conductor.common.run.Workflow;
import io.orkes.conductor.client.ApiClient;
import io.orkes.conductor.client.http.OrkesWorkflowClient;
import io.upgrader.support.TestCredentials;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/** The official Conductor and Orkes Java clients, pointed at the service under test, and definition builders. */
final class OfficialClients {

    final ConductorClient client;
    final MetadataClient metadata;
    final WorkflowClient workflows;
    final TaskClient tasks;
    final OrkesWorkflowClient orkesWorkflows;

    OfficialClients(int port) {
        // Orkes' ApiClient exchanges the application key for a JWT at POST /api/token and sends it in
        // X-Authorization: every client-driven test goes through that flow.
        client = new ApiClient("http://127.0.0.1:" + port + "/api", TestCredentials.KEY_ID, TestCredentials.KEY_SECRET);
        metadata = new MetadataClient(client);
        workflows = new WorkflowClient(client);
        tasks = new TaskClient(client);
        orkesWorkflows = new OrkesWorkflowClient(client);
    }

    static String uniqueName(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    static WorkflowDef definition(String name, int version, WorkflowTask... tasks) {
        WorkflowDef definition = new WorkflowDef();
        definition.setName(name);
        definition.setVersion(version);
        definition.setSchemaVersion(2);
        definition.setOwnerEmail("tests@example.com");
        definition.setTasks(List.of(tasks));
        return definition;
    }

    static WorkflowTask task(String type, String name, String ref, Map<String, Object> inputParameters) {
        WorkflowTask task = new WorkflowTask();
        task.setName(name);
        task.setTaskReferenceName(ref);
        task.setType(type);
        task.setInputParameters(inputParameters);
        return task;
    }

    static WorkflowTask waitTask(String ref) {
        return task("WAIT", ref, ref, Map.of());
    }

    static WorkflowTask setVariable(String ref, Map<String, Object> variables) {
        return task("SET_VARIABLE", ref, ref, variables);
    }

    static WorkflowTask simple(String taskDefName, String ref, Map<String, Object> inputParameters) {
        return task("SIMPLE", taskDefName, ref, inputParameters);
    }

    static StartWorkflowRequest start(String name, int version, Map<String, Object> input) {
        StartWorkflowRequest request = new StartWorkflowRequest();
        request.setName(name);
        request.setVersion(version);
        request.setInput(input);
        return request;
    }

    static Task task(Workflow workflow, String ref) {
        return workflow.getTasks().stream().filter(t -> t.getReferenceTaskName().equals(ref)).findFirst()
                .orElseThrow(() -> new AssertionError("no task " + ref + " in " + workflow.getTasks()));
    }

    /** A worker that completes each task of the type with what {@code work} makes of it, polling every 50 ms. */
    static Worker worker(String taskType, Function<Task, Map<String, Object>> work) {
        return new Worker() {
            @Override
            public String getTaskDefName() {
                return taskType;
            }

            @Override
            public TaskResult execute(Task task) {
                TaskResult result = new TaskResult(task);
                result.setOutputData(work.apply(task));
                result.setStatus(TaskResult.Status.COMPLETED);
                return result;
            }

            @Override
            public int getPollingInterval() {
                return 50;
            }
        };
    }
}
