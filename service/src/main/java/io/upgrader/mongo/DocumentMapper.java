package io.upgrader.mongo;

import org.bson.Document;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import java.util.Map;

/**
 * Turns domain records into BSON documents and back through the same Jackson mapping the HTTP API and
 * Kafka use, so what is stored has exactly the shape clients see (Conductor's field names).
 */
@Component
public class DocumentMapper {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final JsonMapper json;

    public DocumentMapper(JsonMapper json) {
        this.json = json;
    }

    public Document toDocument(Object value, Object id) {
        Document document = new Document("_id", id);
        document.putAll(json.convertValue(value, MAP));
        return document;
    }

    /** The value's fields, without an {@code _id}: an embedded document. */
    public Document toFields(Object value) {
        return new Document(json.convertValue(value, MAP));
    }

    /** The value as the driver stores it: maps, lists, strings, numbers, booleans or null. */
    public Object toValue(Object value) {
        // Wrapped, so that the value is always serialised (an enum becomes its name), never passed through as is.
        return json.convertValue(java.util.Collections.singletonMap("value", value), MAP).get("value");
    }

    public <T> T fromDocument(Document document, Class<T> type) {
        Document copy = new Document(document);
        copy.remove("_id");
        return json.convertValue(copy, type);
    }
}
