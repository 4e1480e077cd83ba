package io.upgrader.input;

import io.upgrader.error.InvalidInputException;

/** Refuses, with a 400 naming the field, input that MongoDB could not store exactly. */
public final class StorableInput {

    private StorableInput() {
    }

    public static void require(String path, Object value) {
        StorableValues.check(path, value).ifPresent(problem -> {
            throw InvalidInputException.of(problem.path(), problem.path() + " " + problem.message());
        });
    }
}
