package io.upgrader.upgrade;

/**
 * What surrounds one command's part of an apply: its trace and its log context (see observability/CommandTracing).
 * The applier opens one around each command it plans, records or rejects; none by default.
 */
public interface CommandScopes {

    CommandScopes NONE = command -> () -> { };

    Scope open(UpgradeCommand command);

    /** Closes without a checked exception, for try-with-resources. */
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
