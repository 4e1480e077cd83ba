package io.upgrader.security;

import io.upgrader.web.ApiException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

/** Orkes' token endpoint: an application key and secret in, a short-lived JWT for X-Authorization out. */
@RestController
@RequestMapping("/api/token")
public class TokenController {

    public record TokenRequest(String keyId, String keySecret) {
        /** Never prints the secret. */
        @Override
        public String toString() {
            return "TokenRequest[keyId=" + keyId + "]";
        }
    }

    public record TokenResponse(String token) {
        /** The token is a bearer credential: never printed, not even by TRACE logging of responses. */
        @Override
        public String toString() {
            return "TokenResponse[token=(hidden)]";
        }
    }

    private final Credentials credentials;
    private final AccessTokens tokens;

    public TokenController(Credentials credentials, AccessTokens tokens) {
        this.credentials = credentials;
        this.tokens = tokens;
    }

    @PostMapping
    public TokenResponse token(@RequestBody TokenRequest request) {
        if (request.keyId() == null || request.keySecret() == null) {
            throw ApiException.badRequest(request.keyId() == null ? "keyId" : "keySecret",
                    "keyId and keySecret are required");
        }
        return credentials.checkKey(request.keyId(), request.keySecret())
                .map(keyId -> new TokenResponse(tokens.issue(keyId)))
                .orElseThrow(() -> new ApiException(HttpStatus.UNAUTHORIZED, "Unknown key or wrong secret", false,
                        List.of()));
    }
}
