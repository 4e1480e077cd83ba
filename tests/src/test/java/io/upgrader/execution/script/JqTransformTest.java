package io.upgrader.execution.script;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JqTransformTest {

    @Test
    void addsTwoInputs() {
        assertThat(Jq.evaluate(".a + .b", Map.of("a", 2, "b", 40))).containsExactly(42L);
    }

    @Test
    void collectsFieldsOfAnArrayIntoOneList() {
        Map<String, Object> input = Map.of("items", List.of(Map.of("id", "x"), Map.of("id", "y")));

        assertThat(Jq.evaluate("[.items[] | .id]", input)).containsExactly(List.of("x", "y"));
    }

    @Test
    void givesEveryOutputInOrder() {
        Map<String, Object> input = new java.util.LinkedHashMap<>();
        input.put("first", 1);
        input.put("second", "two");
        input.put("third", Map.of("k", true));
        input.put("fourth", null);

        assertThat(Jq.evaluate(".[]", input)).containsExactly(1L, "two", Map.of("k", true), null);
    }

    @Test
    void givesNoOutputForEmpty() {
        assertThat(Jq.evaluate("empty", Map.of())).isEmpty();
    }

    @Test
    void buildsObjectsAsPlainMapsAndKeepsFractions() {
        List<Object> outputs = Jq.evaluate("{ratio: (.a / .b), whole: (.b / .a), list: [.a, null]}", Map.of("a", 1, "b", 4));

        assertThat(outputs).containsExactly(Map.of("ratio", 0.25, "whole", 4L, "list", Arrays.asList(1L, null)));
    }

    @Test
    void theSameQueryRunsAgainOnOtherInputWithoutCarryingState() {
        assertThat(Jq.evaluate(".a as $x | $x * 2", Map.of("a", 3))).containsExactly(6L);
        assertThat(Jq.evaluate(".a as $x | $x * 2", Map.of("a", 5))).containsExactly(10L);
    }

    @Test
    void aQueryThatDoesNotCompileIsReportedAsSuch() {
        assertThatThrownBy(() -> Jq.evaluate(".a | | .b", Map.of()))
                .isInstanceOf(ScriptFailure.class)
                .hasMessageStartingWith("jq query does not compile: ");
    }

    @Test
    void aRuntimeErrorIsReportedAsSuch() {
        assertThatThrownBy(() -> Jq.evaluate(".a + .b", Map.of("a", 1, "b", "text")))
                .isInstanceOf(ScriptFailure.class)
                .hasMessageStartingWith("jq query failed: ");
        assertThatThrownBy(() -> Jq.evaluate("error(\"custom\")", Map.of()))
                .isInstanceOf(ScriptFailure.class)
                .hasMessageContaining("custom");
    }
}
