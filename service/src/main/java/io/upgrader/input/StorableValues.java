package io.upgrader.input;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What user-given JSON (inputs, outputs, parameters) must be to round-trip exactly through MongoDB: checked
 * where it comes in, so that nothing is accepted that the store would refuse or silently change later.
 * Keys with '.' or a leading '$' are fine (stored as they are); these are not:
 * <ul>
 * <li>a key containing NUL: BSON keys are NUL-terminated;</li>
 * <li>an integer beyond 64 bits, a non-finite number: BSON has no such number;</li>
 * <li>an object with both "$ref" and "$id": the driver would read it back as a DBRef, dropping other keys.</li>
 * </ul>
 */
public final class StorableValues {

    private static final int MAX_DEPTH = 256;

    private StorableValues() {
    }

    /** @return the path and problem of the first value that cannot be stored, if any */
    public static Optional<Problem> check(String path, Object value) {
        return check(path, value, 0);
    }

    /** A value that cannot be stored: where, and why. */
    public record Problem(String path, String message) {
    }

    private static Optional<Problem> check(String path, Object value, int depth) {
        if (depth > MAX_DEPTH) {
            return Optional.of(new Problem(path, "is nested too deeply"));
        }
        if (value instanceof Map<?, ?> map) {
            if (map.containsKey("$ref") && map.containsKey("$id")) {
                return Optional.of(new Problem(path, "has both \"$ref\" and \"$id\" keys, which MongoDB reserves "
                        + "for references; rename one of them"));
            }
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                String key = String.valueOf(entry.getKey());
                String child = path.isEmpty() ? key : path + "." + key;
                if (key.indexOf('\u0000') >= 0) {
                    return Optional.of(new Problem(child.replace('\u0000', '?'), "key contains a NUL character"));
                }
                Optional<Problem> problem = check(child, entry.getValue(), depth + 1);
                if (problem.isPresent()) {
                    return problem;
                }
            }
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                Optional<Problem> problem = check(path + "[" + i + "]", list.get(i), depth + 1);
                if (problem.isPresent()) {
                    return problem;
                }
            }
        } else if (value instanceof BigInteger big && big.bitLength() > 63) {
            return Optional.of(new Problem(path, "is an integer beyond 64 bits"));
        } else if (value instanceof Double d && !Double.isFinite(d) || value instanceof Float f && !Float.isFinite(f)) {
            return Optional.of(new Problem(path, "is not a finite number"));
        } else if (value instanceof BigDecimal decimal && decimal.precision() > 34) {
            return Optional.of(new Problem(path, "has more digits than a stored decimal keeps (34)"));
        }
        return Optional.empty();
    }
}
