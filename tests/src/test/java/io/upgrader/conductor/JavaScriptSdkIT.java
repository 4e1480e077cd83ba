package io.upgrader.conductor;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import io.upgrader.support.TestCredentials;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The official Orkes Conductor JavaScript SDK ({@code @io-orkes/conductor-javascript} 4.0.0, pinned with a
 * lock file in src/test/js), unchanged, drives a whole upgrade against this service: src/test/js/sdk-e2e.mjs
 * registers two versions with MetadataClient, starts v1 with WorkflowExecutor, holds the SIMPLE task in a
 * TaskManager worker while the running execution is upgraded to v2, and finishes it. This test runs that
 * script with Node and then reads the execution back itself.
 *
 * <p>Without {@code node} on the PATH the test is skipped, except when {@code CI} is set: there it fails.
 */
@EmbeddedInfrastructureTest
class JavaScriptSdkIT {

    private static final Path JS_DIR = Path.of("src", "test", "js");
    private static final long NPM_CI_TIMEOUT_SECONDS = 300;
    private static final long SCRIPT_TIMEOUT_SECONDS = 90;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @Test
    void theOfficialJavaScriptSdkUpgradesARunningWorkflowAndFinishesItOnTheNewVersion() throws Exception {
        String node = executable("node");
        if (node == null) {
            if (System.getenv("CI") != null) {
                fail("node is not on the PATH, and CI is set: the JavaScript SDK test cannot be skipped in CI. "
                        + "Install Node.js >= 18 and npm (.ci/run does: apt-get install -y nodejs npm).");
            }
            assumeTrue(false, "node is not on the PATH: the JavaScript SDK test is skipped outside CI");
        }
        Result version = run(List.of(node, "--version"), Map.of(), 30);
        assertThat(majorVersion(version.output()))
                .as("Node.js version (%s at %s): @io-orkes/conductor-javascript 4.0.0 needs >= 18",
                        version.output().strip(), node)
                .isGreaterThanOrEqualTo(18);
        if (!Files.isDirectory(JS_DIR.resolve("node_modules").resolve("@io-orkes").resolve("conductor-javascript"))) {
            String npm = executable("npm");
            assertThat(npm).as("npm on the PATH, to install the SDK from src/test/js/package-lock.json").isNotNull();
            Result install = run(List.of(npm, "ci", "--no-audit", "--no-fund"), Map.of(), NPM_CI_TIMEOUT_SECONDS);
            assertThat(install.exitCode()).as("npm ci in %s:%n%s", JS_DIR, install.output()).isZero();
        }

        Map<String, String> env = new HashMap<>();
        env.put("CONDUCTOR_SERVER_URL", "http://127.0.0.1:" + port + "/api");
        env.put("CONDUCTOR_AUTH_KEY", TestCredentials.KEY_ID);
        env.put("CONDUCTOR_AUTH_SECRET", TestCredentials.KEY_SECRET);
        env.put("SDK_E2E_TIMEOUT_MS", "60000");
        Result script = run(List.of(node, "sdk-e2e.mjs"), env, SCRIPT_TIMEOUT_SECONDS);

        assertThat(script.exitCode()).as("node sdk-e2e.mjs exit code; its output:%n%s", script.output()).isZero();
        JsonNode summary = summary(script.output());
        assertThat(summary.path("sdk").asString()).isEqualTo("@io-orkes/conductor-javascript@4.0.0");
        assertThat(summary.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(summary.path("workflowVersion").asInt()).isEqualTo(2);
        assertThat(summary.path("tasks").path("prep").asString()).isEqualTo("SKIPPED");
        assertThat(summary.path("tasks").path("review").asString()).isEqualTo("COMPLETED");
        assertThat(summary.path("tasks").path("notify").asString()).isEqualTo("COMPLETED");
        String workflowId = summary.path("workflowId").asString();
        assertThat(workflowId).isNotBlank();

        // What the SDK reported, read back through the REST API independently of it.
        Http http = new Http(port);
        Http.Response read = http.get("/api/workflow/" + workflowId + "?includeTasks=true");
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        JsonNode workflow = read.json();
        assertThat(workflow.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(2);
        assertThat(workflow.path("workflowName").asString()).isEqualTo(summary.path("workflowName").asString());
        assertThat(task(workflow, "prep").path("status").asString()).isEqualTo("SKIPPED");
        assertThat(task(workflow, "review").path("status").asString()).isEqualTo("COMPLETED");
        assertThat(task(workflow, "notify").path("status").asString()).isEqualTo("COMPLETED");
        assertThat(workflow.path("input").path("reviewer").asString()).isEqualTo("js-sdk");
        assertThat(workflow.path("output").path("approved").asBoolean()).isTrue();

        Http.Response history = http.get("/api/workflow/" + workflowId + "/upgrades");
        assertThat(history.status()).as(history.body()).isEqualTo(200);
        assertThat(history.json().size()).isEqualTo(1);
        Http.Response command = http.get("/api/workflow/upgrades/" + summary.path("commandId").asString());
        assertThat(command.status()).as(command.body()).isEqualTo(200);
        assertThat(command.json().path("status").asString()).isEqualTo("APPLIED");
    }

    private static JsonNode task(JsonNode workflow, String ref) {
        for (JsonNode task : workflow.path("tasks")) {
            if (ref.equals(task.path("referenceTaskName").asString())) {
                return task;
            }
        }
        throw new AssertionError("no task " + ref + " in " + workflow);
    }

    /** 20 for "v20.20.2", -1 when unreadable. */
    private static int majorVersion(String nodeVersion) {
        Matcher m = Pattern.compile("v(\\d+)\\.").matcher(nodeVersion);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** The script's last stdout line that is a JSON object. */
    private static JsonNode summary(String output) {
        List<String> lines = output.lines().map(String::strip).filter(l -> l.startsWith("{") && l.endsWith("}"))
                .toList();
        assertThat(lines).as("a JSON summary line in the script's output:%n%s", output).isNotEmpty();
        return JSON.readTree(lines.get(lines.size() - 1));
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command, Map<String, String> env, long timeoutSeconds)
            throws InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(JS_DIR.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command, e);
        }
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            fail(command + " did not finish within " + timeoutSeconds + " s; its output:\n"
                    + output.getNow("(unavailable)"));
        }
        String text = output.join();
        System.out.println("---- " + String.join(" ", command) + " (exit " + process.exitValue() + ")\n" + text);
        return new Result(process.exitValue(), text);
    }

    private static String read(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e + ")";
        }
    }

    /** The absolute path of an executable on the PATH, or null. */
    private static String executable(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            File candidate = new File(dir, name);
            if (candidate.isFile() && candidate.canExecute()) {
                return candidate.getAbsolutePath();
            }
        }
        return null;
    }
}
