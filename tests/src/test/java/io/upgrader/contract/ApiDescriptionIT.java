package io.upgrader.contract;

import io.upgrader.openapi.OpenApiDescription;
import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI description at /v3/api-docs against the service itself: it lists exactly the routes Spring MVC
 * maps, its bodies are the contracts in schemas/ as they are, and what it says needs X-Authorization is what
 * the service refuses without it, while the description and Swagger UI are open.
 */
@EmbeddedInfrastructureTest
class ApiDescriptionIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "patch", "head",
            "options", "trace");

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    @Test
    void describesEveryMappedRouteWithTheContractsAsTheirSchemas() throws Exception {
        JsonNode doc = apiDocs();
        assertThat(doc.path("openapi").asString()).startsWith("3.1.");

        Set<String> mapped = new TreeSet<>();
        mappings.getHandlerMethods().forEach((info, handler) -> {
            Class<?> type = handler.getBeanType();
            if (type.getName().startsWith("org.springdoc.") || type.getName().startsWith("org.springframework.")
                    || ErrorController.class.isAssignableFrom(type)) {
                return; // the description's own routes, the container's /error
            }
            Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
            assertThat(methods).as("HTTP methods of " + handler).isNotEmpty();
            for (String pattern : info.getPatternValues()) {
                // "{name:regex}" in Spring is "{name}" in OpenAPI
                String path = pattern.replaceAll("\\{([^}:]+):[^}]*}", "{$1}");
                methods.forEach(method -> mapped.add(method.name() + " " + path));
            }
        });
        assertThat(mapped).as("routes the service maps").contains("POST /api/workflow/{workflowId}/upgrade",
                "POST /api/workflow/upgrade/bulk", "POST /api/token", "GET /api/tasks/poll/{taskType}");
        assertThat(described(doc).keySet()).as("routes /v3/api-docs describes").isEqualTo(mapped);

        assertThat(requestSchemaRef(doc, "/api/workflow/{workflowId}/upgrade"))
                .isEqualTo("#/components/schemas/UpgradeRequest");
        assertThat(requestSchemaRef(doc, "/api/workflow/upgrade/bulk"))
                .isEqualTo("#/components/schemas/BulkUpgradeRequest");
        // Each contract is a component as it is in schemas/: one source.
        try (DirectoryStream<Path> files = Files.newDirectoryStream(Path.of("..", "schemas"), "*.schema.json")) {
            int count = 0;
            for (Path file : files) {
                String component = OpenApiDescription.componentName(file.getFileName().toString());
                assertThat(requiredSorted(doc.path("components").path("schemas").path(component))).as(component)
                        .isEqualTo(requiredSorted(JSON.readTree(file.toFile())));
                count++;
            }
            assertThat(count).isGreaterThanOrEqualTo(4);
        }

        JsonNode scheme = doc.path("components").path("securitySchemes").path(OpenApiDescription.SECURITY_SCHEME);
        assertThat(scheme.path("type").asString()).isEqualTo("apiKey");
        assertThat(scheme.path("in").asString()).isEqualTo("header");
        assertThat(scheme.path("name").asString()).isEqualTo("X-Authorization");
    }

    @Test
    void whatNeedsXAuthorizationIsWhatTheServiceRefusesWithoutItAndTheDescriptionIsOpen() throws Exception {
        Http anonymous = new Http(port, null);
        Map<String, JsonNode> operations = described(apiDocs());
        operations.forEach((route, operation) -> {
            boolean secured = operation.path("security").toString().contains("\"X-Authorization\"");
            String method = route.substring(0, route.indexOf(' '));
            String path = route.substring(route.indexOf(' ') + 1).replaceAll("\\{[^}]+}", "probe");
            String body = method.equals("POST") || method.equals("PUT") ? "{}" : null;
            Http.Response answer = anonymous.send(method, path, body, body == null ? Map.of()
                    : Map.of("Content-Type", "application/json"));
            if (secured) {
                assertThat(answer.status()).as(route + " without credentials").isEqualTo(401);
                assertThat(answer.json().path("message").asString()).as(route).startsWith("Missing X-Authorization");
                assertThat(operation.path("responses").has("401")).as(route + " documents its 401").isTrue();
            } else {
                assertThat(answer.status()).as(route + " is described as open").isNotEqualTo(401);
            }
        });
        assertThat(operations.keySet().stream().filter(route -> !operations.get(route).has("security")))
                .as("open operations").containsExactly("POST /api/token");

        Http.Response ui = anonymous.get("/swagger-ui.html");
        assertThat(ui.status()).as("/swagger-ui.html").isEqualTo(302);
        assertThat(ui.header("Location")).endsWith("/swagger-ui/index.html");
        Http.Response page = anonymous.get("/swagger-ui/index.html");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("swagger-ui");
        Http.Response config = anonymous.get("/v3/api-docs/swagger-config");
        assertThat(config.status()).isEqualTo(200);
        assertThat(config.json().path("url").asString()).isEqualTo("/v3/api-docs");
    }

    /**
     * /v3/api-docs without credentials. springdoc builds the description on the first request (then keeps it),
     * which takes seconds, and far longer on a loaded machine: more patience than {@link Http}'s 30 s.
     */
    private JsonNode apiDocs() throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v3/api-docs")).timeout(Duration.ofMinutes(3)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("/v3/api-docs without credentials").isEqualTo(200);
        Files.writeString(Path.of("target", "openapi.json"), response.body()); // for a reader of the build
        return JSON.readTree(response.body());
    }

    /** "METHOD path" of every operation in the description, to its operation object. */
    private static Map<String, JsonNode> described(JsonNode doc) {
        Map<String, JsonNode> operations = new TreeMap<>();
        doc.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            if (HTTP_METHODS.contains(operation.getKey())) {
                operations.put(operation.getKey().toUpperCase() + " " + path.getKey(), operation.getValue());
            }
        }));
        return operations;
    }

    /** The schema with every "required" list in name order: swagger-core writes it sorted, and order is no part of it. */
    private static JsonNode requiredSorted(JsonNode schema) {
        JsonNode copy = schema.deepCopy();
        sortRequired(copy);
        return copy;
    }

    private static void sortRequired(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.get("required") instanceof ArrayNode required) {
                List<JsonNode> names = new ArrayList<>();
                required.forEach(names::add);
                names.sort(Comparator.comparing(JsonNode::asString));
                required.removeAll();
                names.forEach(required::add);
            }
            object.forEach(ApiDescriptionIT::sortRequired);
        } else if (node instanceof ArrayNode array) {
            array.forEach(ApiDescriptionIT::sortRequired);
        }
    }

    private static String requestSchemaRef(JsonNode doc, String path) {
        return doc.path("paths").path(path).path("post").path("requestBody").path("content")
                .path("application/json").path("schema").path("$ref").asString();
    }
}
