package io.upgrader.definition;

import io.upgrader.error.InvalidInputException;
import io.upgrader.error.NotFoundException;
import io.upgrader.input.StorableInput;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Map;

/** Conductor's task definition API, as far as the clients use it. */
@RestController
@RequestMapping("/api/metadata/taskdefs")
public class TaskDefController {

    private final TaskDefRegistry taskDefs;

    public TaskDefController(TaskDefRegistry taskDefs) {
        this.taskDefs = taskDefs;
    }

    @PostMapping
    public void register(@RequestBody List<Map<String, Object>> list) {
        for (int i = 0; i < list.size(); i++) {
            check(list.get(i), "[" + i + "]");
        }
        list.forEach(taskDefs::upsert);
    }

    @PutMapping
    public void update(@RequestBody Map<String, Object> taskDef) {
        check(taskDef, "");
        taskDefs.upsert(taskDef);
    }

    @GetMapping
    public List<Map<String, Object>> all() {
        return taskDefs.all();
    }

    @GetMapping("/{name}")
    public Map<String, Object> get(@PathVariable String name) {
        return taskDefs.find(name).orElseThrow(() -> new NotFoundException("No such task definition: " + name));
    }

    @DeleteMapping("/{name}")
    public void delete(@PathVariable String name) {
        if (!taskDefs.delete(name)) {
            throw new NotFoundException("No such task definition: " + name);
        }
    }

    /** @param prefix "" for a single definition, "[i]" for the i-th of a list */
    private static void check(Map<String, Object> taskDef, String prefix) {
        if (taskDef == null || !(taskDef.get("name") instanceof String name) || name.isBlank()) {
            throw InvalidInputException.of(prefix.isEmpty() ? "name" : prefix + ".name",
                    "a task definition needs a name");
        }
        StorableInput.require(prefix, taskDef);
    }
}
