package io.upgrader.badinput;

import io.upgrader.kafka.InvalidUpgradeCommandException;
import io.upgrader.kafka.UpgradeCommandCodec;
import io.upgrader.kafka.UpgradeTopics;
import io.upgrader.support.UpstreamCommand;
import io.upgrader.upgrade.UpgradeCommand;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The command codec alone (no Spring), with a 1 KiB upgrader.kafka.max-command-size so that the limit can be
 * probed byte by byte. (End to end, with the default 2 MiB, see CommandPoisonIT.)
 */
class UpgradeCommandCodecTest {

    private static final int LIMIT = 1024;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String WORKFLOW_ID = "wf-1";

    private final UpgradeCommandCodec codec = new UpgradeCommandCodec(JSON, new UpgradeTopics("commands", "events",
            "commands.dlt", "bulk", 1, (short) 1, "group", 1, Duration.ofSeconds(10), Duration.ofMillis(200),
            Duration.ofSeconds(10), 5, DataSize.ofKilobytes(1)));

    /** A valid command of exactly {@code size} bytes, padded with a workflowInput string. */
    private static byte[] commandOfSize(int size) {
        Map<String, Object> command = UpstreamCommand.of("c-1", WORKFLOW_ID, "wf", 2)
                .with("requestedAt", "2026-01-01T00:00:00Z").with("workflowInput", Map.of("pad", "")).fields();
        int overhead = JSON.writeValueAsBytes(command).length;
        command.put("workflowInput", Map.of("pad", "x".repeat(size - overhead)));
        byte[] bytes = JSON.writeValueAsBytes(command);
        assertThat(bytes).hasSize(size);
        return bytes;
    }

    @Test
    void aRecordOneByteOverTheLimitIsInvalidAndTheReasonNamesTheSizes() {
        assertThatThrownBy(() -> codec.decode(WORKFLOW_ID, commandOfSize(LIMIT + 1)))
                .isInstanceOf(InvalidUpgradeCommandException.class)
                .hasMessageContaining("1025 bytes")
                .hasMessageContaining("1024 bytes")
                .hasMessageContaining("upgrader.kafka.max-command-size");
    }

    @Test
    void aRecordOfExactlyTheLimitIsDecoded() {
        UpgradeCommand command = codec.decode(WORKFLOW_ID, commandOfSize(LIMIT));
        assertThat(command.commandId()).isEqualTo("c-1");
        assertThat(command.version()).isEqualTo(2);
        assertThat((String) command.workflowInput().get("pad")).matches("x+");
    }

    @Test
    void theSizeIsCheckedBeforeTheBytesAreParsed() {
        // 1 MiB of '[' would be expensive (and deep) to parse; the size alone decides.
        byte[] huge = "[".repeat(1024 * 1024).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> codec.decode(WORKFLOW_ID, huge))
                .isInstanceOf(InvalidUpgradeCommandException.class)
                .hasMessageContaining(huge.length + " bytes")
                .hasMessageNotContaining("JSON");
    }

    @Test
    void anEmptyOrMissingValueIsInvalid() {
        assertThatThrownBy(() -> codec.decode(WORKFLOW_ID, null)).isInstanceOf(InvalidUpgradeCommandException.class)
                .hasMessageContaining("no value");
        assertThatThrownBy(() -> codec.decode(WORKFLOW_ID, new byte[0]))
                .isInstanceOf(InvalidUpgradeCommandException.class).hasMessageContaining("no value");
    }

    @Test
    void aKeyOtherThanTheWorkflowIdIsInvalid() {
        assertThatThrownBy(() -> codec.decode("another", commandOfSize(300)))
                .isInstanceOf(InvalidUpgradeCommandException.class)
                .hasMessageContaining("another").hasMessageContaining(WORKFLOW_ID);
        assertThatThrownBy(() -> codec.decode(null, commandOfSize(300)))
                .isInstanceOf(InvalidUpgradeCommandException.class);
    }

    @Test
    void whatItEncodesItDecodes() {
        UpgradeCommand command = new UpgradeCommand(1, "c-2", WORKFLOW_ID, "wf", 3,
                Map.of("pre", Map.of("a.b", 1, "$c", "d")), Map.of("$x", true), Instant.parse("2026-01-01T00:00:00Z"),
                "someone", Map.of("old", "new"));
        assertThat(codec.decode(WORKFLOW_ID, codec.encode(command))).isEqualTo(command);
    }

    /** Overlong UTF-8 and sequences above U+10FFFF are not UTF-8 (RFC 3629): not a command. */
    @Test
    void bytesThatAreNotUtf8AreInvalidEvenWhenAParserCouldGuessACharacter() {
        // Regression (was a bug, now fixed): decode accepts overlong encodings (and F4 90 80 80, above U+10FFFF): Jackson decodes C0 AF to '/'
        // and C1 B7 to 'w', so a record whose name is spelled with overlong bytes is decoded into a valid
        // command for the real name and applied, instead of going to the dead-letter topic as "not JSON in
        // UTF-8". (Plain invalid bytes such as C3 28 are refused; see CommandPoisonIT.)
        String head = "{\"schemaVersion\":1,\"commandId\":\"c-3\",\"workflowId\":\"" + WORKFLOW_ID
                + "\",\"version\":2,\"requestedAt\":\"2026-01-01T00:00:00Z\",\"name\":\"";
        Map<String, String> decoded = new LinkedHashMap<>();
        for (String hex : new String[]{"c1b7", "c0af", "e080af", "f4908080"}) {
            byte[] value = concat(head.getBytes(StandardCharsets.UTF_8), HexFormat.of().parseHex(hex),
                    "f\"}".getBytes(StandardCharsets.UTF_8));
            try {
                decoded.put(hex, "decoded with name " + codec.decode(WORKFLOW_ID, value).name().chars()
                        .mapToObj(c -> String.format("U+%04X", c)).toList());
            } catch (InvalidUpgradeCommandException e) {
                assertThat(e).as(hex).hasMessageContaining("UTF-8");
            }
        }
        assertThat(decoded).as("not-UTF-8 values decoded into commands").isEmpty();
    }

    /** Refused ones still raise nothing but InvalidUpgradeCommandException: anything else would be retried. */
    @Test
    void malformedValuesAreInvalidUpgradeCommandsNotOtherExceptions() {
        for (String value : new String[]{"{", "[]", "null", "1", "\"x\"", "{\"schemaVersion\":1}",
                "{\"schemaVersion\":1,\"commandId\":\"c\",\"workflowId\":\"" + WORKFLOW_ID + "\",\"name\":\"n\","
                        + "\"version\":2,\"requestedAt\":\"2026-01-01T00:00:00Z\",\"taskOutput\":{\"t\":[]}}",
                "{\"schemaVersion\":1,\"commandId\":\"c\",\"workflowId\":\"" + WORKFLOW_ID + "\",\"name\":\"n\","
                        + "\"version\":2.5,\"requestedAt\":\"2026-01-01T00:00:00Z\"}"}) {
            assertThatThrownBy(() -> codec.decode(WORKFLOW_ID, value.getBytes(StandardCharsets.UTF_8))).as(value)
                    .isInstanceOf(InvalidUpgradeCommandException.class);
        }
    }

    /**
     * A requestedAt that is not a date-time breaks the schema ("format": "date-time"); it must be refused as an
     * invalid command like any other schema violation, since only InvalidUpgradeCommandException is sent to the
     * dead-letter topic: every other exception is retried with backoff, for ever, on the same partition.
     */
    @Test
    void aRequestedAtThatIsNotADateTimeIsAnInvalidCommand() {
        // Regression (was a bug, now fixed): decode throws tools.jackson.databind.exc.InvalidFormatException ("Cannot deserialize value of type
        // java.time.Instant from String \"yesterday\"") instead of InvalidUpgradeCommandException: the JSON Schema
        // validator treats "format" as an annotation only (draft 2020-12 default), so the schema check passes and
        // json.treeToValue fails afterwards. KafkaConfiguration marks only InvalidUpgradeCommandException as not
        // retryable, so in the listener such a record is retried for ever (ExponentialBackOff without a limit) and
        // blocks its partition for every workflow: a poison pill published by any upstream producer. Not run end
        // to end here because nothing could unblock the shared context's partition afterwards.
        for (String requestedAt : new String[]{"yesterday", "2026-13-45T00:00:00Z", ""}) {
            byte[] value = ("{\"schemaVersion\":1,\"commandId\":\"c\",\"workflowId\":\"" + WORKFLOW_ID
                    + "\",\"name\":\"n\",\"version\":2,\"requestedAt\":\"" + requestedAt + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> codec.decode(WORKFLOW_ID, value)).as(requestedAt)
                    .isInstanceOf(InvalidUpgradeCommandException.class).hasMessageContaining("requestedAt");
        }
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
