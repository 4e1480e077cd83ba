package io.upgrader.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;
import java.util.List;

/**
 * Credentials accepted in {@code X-Authorization}: static API tokens, and Orkes-style application keys
 * ({@code keyId:keySecret}) exchanged at POST /api/token for a signed, expiring JWT.
 *
 * @param jwtSecret HS256 signing key for those JWTs (at least 32 bytes); when unset it is derived from the
 *                  configured keys, so every instance with the same configuration accepts the others' tokens
 */
@ConfigurationProperties("upgrader.security")
public record SecurityProperties(
        @DefaultValue List<String> tokens,
        @DefaultValue List<String> keys,
        String jwtSecret,
        @DefaultValue("60m") Duration tokenTtl,
        @DefaultValue("workflow-upgrader") String issuer) {

    public SecurityProperties {
        tokens = tokens.stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
        keys = keys.stream().map(String::trim).filter(k -> !k.isEmpty()).toList();
    }

    public boolean hasCredentials() {
        return !tokens.isEmpty() || !keys.isEmpty();
    }

    /** Never prints a secret, wherever this record ends up. */
    @Override
    public String toString() {
        return "SecurityProperties[tokens=" + tokens.size() + ", keys=" + keys.size() + ", tokenTtl=" + tokenTtl + "]";
    }
}
