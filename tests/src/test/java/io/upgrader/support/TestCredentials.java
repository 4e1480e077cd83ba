package io.upgrader.support;

/** The credentials the test contexts configure; the clients in the tests authenticate with them. */
public final class TestCredentials {

    public static final String API_TOKEN = "test-api-token-3b1f";
    public static final String KEY_ID = "test-key";
    public static final String KEY_SECRET = "test-key-secret-9c2e";

    public static final String TOKENS_PROPERTY = "upgrader.security.tokens=" + API_TOKEN;
    public static final String KEYS_PROPERTY = "upgrader.security.keys=" + KEY_ID + ":" + KEY_SECRET;

    private TestCredentials() {
    }
}
