package io.upgrader.conductor;

import com.netflix.conductor.client.http.ConductorClient;
import com.netflix.conductor.client.http.MetadataClient;
import com.netflix.conductor.client.http.TaskClient;
import com.netflix.conductor.client.http.WorkflowClient;
import com.netflix.conductor.common.metadata.workflow.WorkflowDef;
import com.netflix.conductor.common.metadata.workflow.WorkflowTask;
import io.orkes.conductor.client.ApiClient;
import io.orkes.conductor.client.http.OrkesWorkflowClient;
import io.upgrader.support.TestCredentials;

import java.util.List;
import java.util.Map;
import java.util.UUID;

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
}
