package io.upgrader.web;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Limits on what an HTTP request may send; the defaults are here, documented in docs/operations.md's configuration table.
 *
 * @param maxBodySize  larger request bodies are refused with 413 before they are parsed
 * @param maxJsonDepth deeper JSON documents are refused with 400, before they cost stack
 */
@Validated
@ConfigurationProperties("upgrader.http")
public record HttpProperties(@DefaultValue("1MB") @NotNull DataSize maxBodySize,
                             @DefaultValue("64") @Min(1) int maxJsonDepth) {

    public HttpProperties {
        // No Bean Validation constraint applies to a DataSize.
        if (maxBodySize != null && (maxBodySize.isNegative() || maxBodySize.toBytes() == 0)) {
            throw new IllegalArgumentException("upgrader.http.max-body-size must be positive");
        }
    }
}
