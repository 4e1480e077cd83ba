package io.upgrader.definition;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Registration of nested definitions over HTTP: a well-formed tree is stored and read back as given; a
 * malformed one is a 400 naming the path of the problem, and nothing is stored.
 */
@EmbeddedInfrastructureTest
class NestedDefinitionRegistrationIT {

    @LocalServerPort
    int port;

    Http http;

    @BeforeEach
    void connect() {
        http = new Http(port);
    }

    private static String name() {
        return "nested_" + UUID.randomUUID().toString().replace("-", "");
    }

    private static String definition(String name, String tasks) {
        return "{\"name\":\"" + name + "\",\"version\":1,\"tasks\":" + tasks + "}";
    }

    private Http.Response register(String body) {
        return http.post("/api/metadata/workflow", body, Map.of("Content-Type", "application/json"));
    }

    private void assertRefusedAt(String name, String tasks, String path, String words) {
        Http.Response response = register(definition(name, tasks));
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        JsonNode body = response.json();
        List<String> paths = new ArrayList<>();
        body.get("validationErrors").forEach(error -> paths.add(error.get("path").asString()));
        assertThat(paths).contains(path);
        assertThat(body.get("message").asString()).contains(words).doesNotContain("tools.jackson", "Exception");
        assertThat(http.get("/api/metadata/workflow/" + name + "?version=1").status()).isEqualTo(404);
    }

    @Test
    void aDefinitionUsingEveryNestedTypeIsStoredAndReadBackWithItsTree() {
        String name = name();
        String tasks = """
                [{"name":"s","taskReferenceName":"s","type":"SWITCH","evaluatorType":"javascript",
                  "expression":"$.k == 1 ? 'one' : 'other'","inputParameters":{"k":"${workflow.input.k}"},
                  "decisionCases":{"one":[{"name":"a","taskReferenceName":"a","type":"SIMPLE"}]},
                  "defaultCase":[{"name":"b","taskReferenceName":"b","type":"WAIT"}]},
                 {"name":"f","taskReferenceName":"f","type":"FORK_JOIN","forkTasks":[
                   [{"name":"i","taskReferenceName":"i","type":"INLINE",
                     "inputParameters":{"evaluatorType":"graaljs","expression":"1 + 1"}}],
                   [{"name":"q","taskReferenceName":"q","type":"JSON_JQ_TRANSFORM",
                     "inputParameters":{"queryExpression":".a"}}]]},
                 {"name":"j","taskReferenceName":"j","type":"JOIN","joinOn":["i","q"]},
                 {"name":"l","taskReferenceName":"l","type":"DO_WHILE","loopCondition":"false",
                  "loopOver":[{"name":"h","taskReferenceName":"h","type":"HTTP",
                    "inputParameters":{"http_request":{"uri":"http://127.0.0.1:1/x","method":"GET"}}}]},
                 {"name":"sub","taskReferenceName":"sub","type":"SUB_WORKFLOW","subWorkflowParam":{"name":"child"}},
                 {"name":"d","taskReferenceName":"d","type":"FORK_JOIN_DYNAMIC","dynamicForkTasksParam":"t",
                  "dynamicForkTasksInputParamName":"ti","inputParameters":{"t":[],"ti":{}}},
                 {"name":"dj","taskReferenceName":"dj","type":"JOIN"}]""";

        assertThat(register(definition(name, tasks)).status()).isEqualTo(200);

        JsonNode stored = http.get("/api/metadata/workflow/" + name + "?version=1").json();
        assertThat(stored.at("/tasks/0/decisionCases/one/0/taskReferenceName").asString()).isEqualTo("a");
        assertThat(stored.at("/tasks/1/forkTasks/1/0/type").asString()).isEqualTo("JSON_JQ_TRANSFORM");
        assertThat(stored.at("/tasks/2/joinOn/1").asString()).isEqualTo("q");
        assertThat(stored.at("/tasks/3/loopOver/0/taskReferenceName").asString()).isEqualTo("h");
        assertThat(stored.at("/tasks/4/subWorkflowParam/name").asString()).isEqualTo("child");
        assertThat(stored.at("/tasks/0/forkTasks").isMissingNode()).as("absent fields stay absent").isTrue();
    }

    @Test
    void aReferenceNameUsedTwiceAnywhereInTheTreeIsRefusedAtItsPath() {
        assertRefusedAt(name(), """
                [{"name":"a","taskReferenceName":"a","type":"SIMPLE"},
                 {"name":"f","taskReferenceName":"f","type":"FORK_JOIN","forkTasks":[[{"name":"x","taskReferenceName":"x"}],
                   [{"name":"a","taskReferenceName":"a"}]]},
                 {"name":"j","taskReferenceName":"j","type":"JOIN","joinOn":["x","a"]}]""",
                "tasks[1].forkTasks[1][0].taskReferenceName", "used twice");
    }

    @Test
    void aForkWithoutItsJoinIsRefused() {
        assertRefusedAt(name(), """
                [{"name":"f","taskReferenceName":"f","type":"FORK_JOIN","forkTasks":[[{"name":"x","taskReferenceName":"x"}]]},
                 {"name":"y","taskReferenceName":"y"}]""", "tasks[0]", "followed by a JOIN");
    }

    @Test
    void anUnknownTypeDeepInTheTreeIsRefusedAtItsPath() {
        assertRefusedAt(name(), """
                [{"name":"f","taskReferenceName":"f","type":"FORK_JOIN","forkTasks":[[{"name":"x","taskReferenceName":"x"}],
                   [{"name":"k","taskReferenceName":"k","type":"KAFKA_PUBLISH"}]]},
                 {"name":"j","taskReferenceName":"j","type":"JOIN","joinOn":["x","k"]}]""",
                "tasks[0].forkTasks[1][0].type", "KAFKA_PUBLISH");
    }

    @Test
    void aCaseThatIsNotAListOfTasksIsRefusedAtItsPath() {
        assertRefusedAt(name(), """
                [{"name":"s","taskReferenceName":"s","type":"SWITCH","evaluatorType":"value-param","expression":"k",
                  "decisionCases":{"one":{"name":"a","taskReferenceName":"a"}}}]""",
                "tasks[0].decisionCases.one", "tasks[0].decisionCases.one");
    }

    @Test
    void aBranchThatIsNotAListIsRefusedAtItsPath() {
        assertRefusedAt(name(), """
                [{"name":"f","taskReferenceName":"f","type":"FORK_JOIN","forkTasks":[{"name":"x","taskReferenceName":"x"}]},
                 {"name":"j","taskReferenceName":"j","type":"JOIN"}]""", "tasks[0].forkTasks[0]", "tasks[0].forkTasks");
    }

    @Test
    void aLoopInsideALoopAndASwitchWithoutExpressionAreRefused() {
        assertRefusedAt(name(), """
                [{"name":"l","taskReferenceName":"l","type":"DO_WHILE","loopCondition":"false","loopOver":[
                   {"name":"l2","taskReferenceName":"l2","type":"DO_WHILE","loopCondition":"false",
                    "loopOver":[{"name":"x","taskReferenceName":"x"}]}]}]""",
                "tasks[0].loopOver[0]", "inside another DO_WHILE");
        assertRefusedAt(name(), """
                [{"name":"s","taskReferenceName":"s","type":"SWITCH","evaluatorType":"value-param"}]""",
                "tasks[0].expression", "expression");
    }
}
