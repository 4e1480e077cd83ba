package io.upgrader.security;

import io.upgrader.error.DomainException;
import io.upgrader.error.InvalidInputException;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

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
            throw InvalidInputException.of(request.keyId() == null ? "keyId" : "keySecret",
                    "keyId and keySecret are required");
        }
        return credentials.checkKey(request.keyId(), request.keySecret())
                .map(keyId -> new TokenResponse(tokens.issue(keyId)))
                .orElseThrow(UnknownKeyException::new);
    }

    /** A 401 that does not say which of the two was wrong, so that key ids cannot be probed. */
    static final class UnknownKeyException extends DomainException {
        UnknownKeyException() {
            super(Kind.UNAUTHENTICATED, "Unknown key or wrong secret");
        }
    }
}
