package io.upgrader.security;

import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configured secrets, compared in constant time: both sides are hashed first, so neither the content
 * nor the length of a secret leaks through timing.
 */
@Component
public class Credentials {

    private final List<byte[]> tokenDigests;
    private final Map<String, byte[]> keySecretDigests = new LinkedHashMap<>();

    public Credentials(SecurityProperties properties) {
        this.tokenDigests = properties.tokens().stream().map(Credentials::digest).toList();
        for (String key : properties.keys()) {
            int colon = key.indexOf(':');
            if (colon <= 0 || colon == key.length() - 1) {
                throw new IllegalStateException("upgrader.security.keys entries must be keyId:keySecret; entry "
                        + (keySecretDigests.size() + 1) + " is not");
            }
            keySecretDigests.put(key.substring(0, colon), digest(key.substring(colon + 1)));
        }
    }

    /** @return whether the token is one of the static API tokens */
    public boolean isApiToken(String token) {
        byte[] presented = digest(token);
        boolean match = false;
        for (byte[] candidate : tokenDigests) {
            match |= MessageDigest.isEqual(candidate, presented);
        }
        return match;
    }

    /** @return the keyId when the pair is a configured application key */
    public Optional<String> checkKey(String keyId, String keySecret) {
        byte[] expected = keySecretDigests.get(keyId);
        byte[] presented = digest(keySecret);
        // Compared even for unknown ids, so an unknown id costs the same time as a wrong secret.
        boolean match = MessageDigest.isEqual(expected == null ? digest("\u0000unknown") : expected, presented);
        return match && expected != null ? Optional.of(keyId) : Optional.empty();
    }

    static byte[] digest(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
