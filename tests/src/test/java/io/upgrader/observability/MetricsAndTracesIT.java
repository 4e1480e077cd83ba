package io.upgrader.observability;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import io.upgrader.support.UpgradeFixture;
import io.upgrader.support.UpstreamCommand;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What an operator scrapes and follows: {@code /actuator/prometheus}, open like health, with the upgrade pipeline's
 * meters, the Kafka consumer's lag per partition of the command topic and the MongoDB driver's command timings; and
 * one upgrade as one trace, from the HTTP request's {@code traceparent} through the command record to its event.
 */
@EmbeddedInfrastructureTest
@ExtendWith(OutputCaptureExtension.class)
class MetricsAndTracesIT extends UpgradeFixture {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void prometheusScrapeIsOpenAndShowsUpgradesLagDeadLettersStoreTimingsAndBulkBatches() throws Exception {
        Http anonymous = new Http(port, null);
        double deadLettersBefore = deadLetters(anonymous.get("/actuator/prometheus").body(), "invalid");
        upstream.send(new ProducerRecord<>(commandTopic, "not-a-command", "{".getBytes(StandardCharsets.UTF_8))).get();
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        Http.Response accepted = http.postJson("/api/workflow/" + workflowId + "/upgrade",
                Map.of("name", name, "version", 2));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        assertThat(awaitFinalStatus(accepted.json().path("commandId").asString()).path("status").asString())
                .isEqualTo("APPLIED");

        // A consumer's per-partition metrics are bound on the next refresh (upgrader.metrics.refresh-interval).
        String scrape = await().atMost(patience()).until(() -> anonymous.get("/actuator/prometheus"), r -> {
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            return series(r.body(), "kafka_consumer_fetch_manager_records_lag").stream()
                    .anyMatch(line -> line.contains("topic=\"workflow_upgrade_commands\"")
                            && line.contains("partition=\"") && line.contains("workflow-upgrader"))
                    && deadLetters(r.body(), "invalid") >= deadLettersBefore + 1;
        }).body();
        assertThat(anonymous.get("/actuator/prometheus").header("Content-Type")).startsWith("text/plain");

        assertThat(series(scrape, "upgrader_upgrade_commands_total").stream()
                .filter(line -> line.contains("outcome=\"applied\"")).mapToDouble(MetricsAndTracesIT::value)
                .sum()).isGreaterThanOrEqualTo(1);
        for (String outcome : List.of("noop", "rejected", "redelivered")) {
            assertThat(series(scrape, "upgrader_upgrade_commands_total")).as(outcome)
                    .anyMatch(line -> line.contains("outcome=\"" + outcome + "\""));
        }
        assertThat(series(scrape, "upgrader_upgrade_accept_seconds_bucket"))
                .anyMatch(line -> line.contains("stage=\"publish\"") && line.contains("le=\""));
        assertThat(series(scrape, "upgrader_upgrade_dead_letters_total"))
                .anyMatch(line -> line.contains("reason=\"invalid\""))
                .anyMatch(line -> line.contains("reason=\"internal-error\""));
        assertThat(series(scrape, "upgrader_outbox_republished_total")).isNotEmpty();
        assertThat(series(scrape, "upgrader_bulk_batches"))
                .anyMatch(line -> line.contains("state=\"EXPANDING\""))
                .anyMatch(line -> line.contains("state=\"EXPANDED\""));
        assertThat(series(scrape, "http_server_requests_seconds_count"))
                .anyMatch(line -> line.contains("uri=\"/api/workflow/{workflowId}/upgrade\""));
        assertThat(series(scrape, "mongodb_driver_commands_seconds_count"))
                .anyMatch(line -> line.contains("command=\"update\"") && value(line) >= 1);
    }

    @Test
    void oneUpgradeIsOneTraceFromTheRequestThroughTheCommandToItsEvent() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        String traceId = hex(16);
        String parentSpanId = hex(8);

        Http.Response accepted = http.post("/api/workflow/" + workflowId + "/upgrade",
                JSON.writeValueAsString(Map.of("name", name, "version", 2)),
                Map.of("traceparent", "00-" + traceId + "-" + parentSpanId + "-01"));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);

        ConsumerRecord<String, byte[]> command = await().atMost(patience())
                .until(() -> observed.commandsFor(workflowId), records -> !records.isEmpty()).get(0);
        ConsumerRecord<String, byte[]> event = await().atMost(patience())
                .until(() -> observed.eventsFor(workflowId), records -> !records.isEmpty()).get(0);
        assertThat(JSON.readTree(event.value()).path("type").asString()).isEqualTo("WORKFLOW_UPGRADED");

        String[] commandTrace = traceparent(command);
        String[] eventTrace = traceparent(event);
        assertThat(commandTrace[1]).as("the command's trace").isEqualTo(traceId);
        assertThat(eventTrace[1]).as("the event's trace").isEqualTo(traceId);
        // The event comes from the apply's own span, a child of the request's: not the same span as the command's.
        assertThat(eventTrace[2]).isNotEqualTo(commandTrace[2]).isNotEqualTo(parentSpanId);
    }

    @Test
    void anUpstreamCommandsTraceReachesTheApplyLogsWithItsCommandIdAndItsEvent(CapturedOutput output)
            throws Exception {
        String name = registerVersions(List.of("w"));
        String workflowId = start(name, 1, Map.of());
        String traceId = hex(16);
        String commandId = "traced-" + UUID.randomUUID();
        // Version 9 does not exist: the consumer rejects the command, and logs why.
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(commandTopic, workflowId,
                UpstreamCommand.of(commandId, workflowId, name, 9).bytes());
        record.headers().add("traceparent", ("00-" + traceId + "-" + hex(8) + "-01").getBytes(StandardCharsets.UTF_8));
        upstream.send(record).get();

        assertThat(awaitFinalStatus(commandId).path("status").asString()).isEqualTo("REJECTED");
        ConsumerRecord<String, byte[]> event = await().atMost(patience())
                .until(() -> observed.eventsFor(workflowId), records -> !records.isEmpty()).get(0);
        assertThat(JSON.readTree(event.value()).path("type").asString()).isEqualTo("WORKFLOW_UPGRADE_REJECTED");
        assertThat(traceparent(event)[1]).isEqualTo(traceId);
        Pattern correlated = Pattern.compile("\\[" + traceId + ",[0-9a-f]{16}," + Pattern.quote(commandId) + "\\] ");
        assertThat(output.getOut().lines().filter(line -> line.contains("Rejected command " + commandId)))
                .isNotEmpty().allMatch(line -> correlated.matcher(line).find());
    }

    private static double deadLetters(String scrape, String reason) {
        return series(scrape, "upgrader_upgrade_dead_letters_total").stream()
                .filter(line -> line.contains("reason=\"" + reason + "\""))
                .mapToDouble(MetricsAndTracesIT::value).sum();
    }

    /** The sample lines of one metric name (any labels). */
    private static List<String> series(String scrape, String metric) {
        return scrape.lines().filter(line -> line.startsWith(metric + "{") || line.startsWith(metric + " ")).toList();
    }

    private static double value(String line) {
        Matcher matcher = Pattern.compile("\\s(\\S+)(\\s\\d+)?$").matcher(line);
        assertThat(matcher.find()).as(line).isTrue();
        return Double.parseDouble(matcher.group(1));
    }

    /** {@code [version, traceId, spanId, flags]} of a record's W3C traceparent header. */
    private static String[] traceparent(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader("traceparent");
        assertThat(header).as("traceparent header on " + record.topic()).isNotNull();
        String value = new String(header.value(), StandardCharsets.UTF_8);
        assertThat(value).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
        return value.split("-");
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1; // never all zeros, which W3C forbids
        return HexFormat.of().formatHex(random);
    }
}
