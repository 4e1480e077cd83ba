package io.upgrader.mongo.definition;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import io.upgrader.definition.TaskDefRegistry;
import org.bson.Document;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Conductor task definitions ({@link TaskDefRegistry}) in {@code task_defs}, {@code _id} = name. */
@Component
public class TaskDefStore implements TaskDefRegistry {

    private final MongoCollection<Document> taskDefs;

    public TaskDefStore(MongoTemplate mongo) {
        this.taskDefs = mongo.getCollection("task_defs");
    }

    @Override
    public void upsert(Map<String, Object> taskDef) {
        String name = String.valueOf(taskDef.get("name"));
        Document document = new Document("_id", name);
        document.putAll(taskDef);
        taskDefs.replaceOne(Filters.eq("_id", name), document, new ReplaceOptions().upsert(true));
    }

    @Override
    public Optional<Map<String, Object>> find(String name) {
        return Optional.ofNullable(taskDefs.find(Filters.eq("_id", name)).first()).map(TaskDefStore::withoutId);
    }

    @Override
    public List<Map<String, Object>> all() {
        List<Map<String, Object>> all = new ArrayList<>();
        taskDefs.find().sort(Sorts.ascending("_id")).forEach(document -> all.add(withoutId(document)));
        return all;
    }

    @Override
    public boolean delete(String name) {
        return taskDefs.deleteOne(Filters.eq("_id", name)).getDeletedCount() == 1;
    }

    private static Map<String, Object> withoutId(Document document) {
        Map<String, Object> copy = new LinkedHashMap<>(document);
        copy.remove("_id");
        return copy;
    }
}
