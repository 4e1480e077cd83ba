package io.upgrader.security;

import com.nimbusds.jose.jwk.source.ImmutableSecret;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/** The signed, expiring JWTs (HS256, Nimbus via Spring Security) that application keys are exchanged for. */
@Component
public class AccessTokens {

    private final JwtEncoder encoder;
    private final JwtDecoder decoder;
    private final SecurityProperties properties;
    private final Clock clock;
    /** Tokens exist only for application keys: with none configured, no JWT is issued or accepted. */
    private final boolean enabled;

    public AccessTokens(SecurityProperties properties, Clock clock) {
        this.enabled = !properties.keys().isEmpty();
        SecretKey key = new SecretKeySpec(signingKey(properties), "HmacSHA256");
        this.encoder = new NimbusJwtEncoder(new ImmutableSecret<>(key));
        NimbusJwtDecoder nimbus = NimbusJwtDecoder.withSecretKey(key).macAlgorithm(MacAlgorithm.HS256).build();
        JwtTimestampValidator expiry = new JwtTimestampValidator(Duration.ZERO);
        expiry.setClock(clock);
        nimbus.setJwtValidator(new DelegatingOAuth2TokenValidator<>(expiry,
                new JwtIssuerValidator(properties.issuer())));
        this.decoder = nimbus;
        this.properties = properties;
        this.clock = clock;
    }

    public String issue(String keyId) {
        if (!enabled) {
            throw new IllegalStateException("no application keys are configured");
        }
        Instant now = clock.instant();
        JwtClaimsSet claims = JwtClaimsSet.builder().issuer(properties.issuer()).subject(keyId).issuedAt(now)
                .expiresAt(now.plus(properties.tokenTtl())).build();
        return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims))
                .getTokenValue();
    }

    /** @return the keyId the token was issued to, when it is ours, intact and not expired */
    public Optional<String> verify(String token) {
        if (!enabled) {
            return Optional.empty();
        }
        try {
            Jwt jwt = decoder.decode(token);
            return Optional.ofNullable(jwt.getSubject());
        } catch (JwtException e) {
            return Optional.empty();
        }
    }

    private static byte[] signingKey(SecurityProperties properties) {
        if (properties.jwtSecret() != null && !properties.jwtSecret().isBlank()) {
            byte[] secret = properties.jwtSecret().getBytes(StandardCharsets.UTF_8);
            if (secret.length < 32) {
                throw new IllegalStateException("upgrader.security.jwt-secret must be at least 32 bytes");
            }
            return secret;
        }
        // Derived from the key secrets: the same configuration gives every instance the same signing key. With no
        // keys it would be a constant anyone can compute, which is why tokens are then disabled altogether.
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec("workflow-upgrader/jwt-signing-key/v1".getBytes(StandardCharsets.UTF_8),
                    "HmacSHA256"));
            properties.keys().stream().sorted().forEach(key -> mac.update((key + "\n").getBytes(StandardCharsets.UTF_8)));
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JRE", e);
        }
    }
}
