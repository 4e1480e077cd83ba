package io.upgrader.security;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;
import java.util.List;

/**
 * Credentials accepted in {@code X-Authorization}: static API tokens, and Orkes-style application keys
 * ({@code keyId:keySecret}) exchanged at POST /api/token for a signed, expiring JWT.
 *
 * @param tokens    static API tokens accepted in {@code X-Authorization} (comma-separated in
 *                  {@code UPGRADER_SECURITY_TOKENS}); blanks are dropped
 * @param keys      application keys {@code keyId:keySecret} exchanged at POST /api/token (comma-separated in
 *                  {@code UPGRADER_SECURITY_KEYS}); blanks are dropped
 * @param jwtSecret HS256 signing key for those JWTs (at least 32 bytes); when unset it is derived from the
 *                  configured keys, so every instance with the same configuration accepts the others' tokens
 * @param tokenTtl  lifetime of an issued token (the Orkes client renews it on its own)
 * @param issuer    {@code iss} of the issued tokens, checked on the way in
 */
@Validated
@ConfigurationProperties("upgrader.security")
public record SecurityProperties(
        @DefaultValue List<String> tokens,
        @DefaultValue List<String> keys,
        String jwtSecret,
        @DefaultValue("60m") @NotNull @DurationMin(seconds = 1) Duration tokenTtl,
        @DefaultValue("workflow-upgrader") @NotBlank String issuer) {

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
