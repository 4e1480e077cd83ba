package io.upgrader.contract;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * JSON documents travel as strict UTF-8: a lenient parser turns overlong or out-of-range sequences into other
 * characters (a forged spelling of a name), and guesses UTF-16 or UTF-32 from NUL bytes, which JSON text
 * never holds raw. Checked before parsing, on HTTP bodies and Kafka records alike.
 */
public final class StrictJsonText {

    private StrictJsonText() {
    }

    /** @return what is wrong with the bytes, or empty for strict UTF-8 without NUL bytes */
    public static Optional<String> problem(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return Optional.of("NUL byte at offset " + i);
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return Optional.empty();
        } catch (CharacterCodingException e) {
            return Optional.of("invalid UTF-8 byte sequence");
        }
    }
}
