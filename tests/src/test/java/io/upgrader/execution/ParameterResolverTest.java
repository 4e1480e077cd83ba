package io.upgrader.execution;

import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowTask;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Plain unit tests of {@link ParameterResolver#resolve(Map, Workflow)}: no Spring, just maps in and out. */
class ParameterResolverTest {

    private static final String WORKFLOW_ID = "wf-42";

    // ---------------------------------------------------------------- fixtures

    /** A mutable, null-tolerant, ordered map from alternating keys and values. */
    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static List<Object> list(Object... items) {
        return new ArrayList<>(List.of(items));
    }

    private static Task task(String ref, TaskStatus status, Map<String, Object> input, Map<String, Object> output) {
        return new Task("id-" + ref, "SIMPLE", ref + "_def", ref, status, 1, input, output, 10, 20, 30, 30,
                WORKFLOW_ID, null, null, 0, 0);
    }

    private static Workflow workflow(Map<String, Object> input, Map<String, Object> variables, Task... tasks) {
        WorkflowDef definition = new WorkflowDef("order_flow", 3, null,
                List.of(new WorkflowTask("a_def", "a", "SIMPLE", null, Map.of(), null)), List.of(), Map.of(),
                null, null);
        return new Workflow(WORKFLOW_ID, "order_flow", 3, WorkflowStatus.RUNNING, input, Map.of(), variables,
                "corr-9", 1, 1, 0, definition, List.of(tasks), List.of(), 0, null);
    }

    private static Workflow workflowWithInput(Object... keysAndValues) {
        return workflow(map(keysAndValues), Map.of());
    }

    private static Object resolveOne(Object parameter, Workflow workflow) {
        Map<String, Object> resolved = ParameterResolver.resolve(map("p", parameter), workflow);
        assertThat(resolved).containsOnlyKeys("p");
        return resolved.get("p");
    }

    // ---------------------------------------------------------------- sources

    @Nested
    class Sources {

        @Test
        void workflowInput() {
            Workflow workflow = workflowWithInput("orderId", "o-17", "other", "x");

            assertThat(resolveOne("${workflow.input.orderId}", workflow)).isEqualTo("o-17");
        }

        @Test
        void workflowVariables() {
            Workflow workflow = workflow(map("v", "from-input"), map("v", "from-variables"));

            assertThat(resolveOne("${workflow.variables.v}", workflow)).isEqualTo("from-variables");
            assertThat(resolveOne("${workflow.input.v}", workflow)).isEqualTo("from-input");
        }

        @Test
        void taskOutput() {
            Workflow workflow = workflow(Map.of(), Map.of(),
                    task("a", TaskStatus.COMPLETED, map("x", "in-a"), map("x", "out-a")),
                    task("b", TaskStatus.COMPLETED, map("x", "in-b"), map("x", "out-b")));

            assertThat(resolveOne("${a.output.x}", workflow)).isEqualTo("out-a");
            assertThat(resolveOne("${b.output.x}", workflow)).isEqualTo("out-b");
        }

        @Test
        void taskInput() {
            Workflow workflow = workflow(Map.of(), Map.of(),
                    task("a", TaskStatus.COMPLETED, map("x", "in-a"), map("x", "out-a")));

            assertThat(resolveOne("${a.input.x}", workflow)).isEqualTo("in-a");
        }

        @Test
        void outputOfARunningTaskIsReachable() {
            Workflow workflow = workflow(Map.of(), Map.of(),
                    task("w", TaskStatus.IN_PROGRESS, Map.of(), map("progress", 50)));

            assertThat(resolveOne("${w.output.progress}", workflow)).isEqualTo(50);
        }

        @Test
        void workflowId() {
            assertThat(resolveOne("${workflow.workflowId}", workflowWithInput())).isEqualTo(WORKFLOW_ID);
        }

        @Test
        void skippedTaskOutputGivenAtUpgradeIsReachable() {
            Workflow workflow = workflow(Map.of(), Map.of(),
                    task("skipped_ref", TaskStatus.SKIPPED, Map.of(), map("x", "given-at-upgrade", "n", 3)));

            assertThat(resolveOne("${skipped_ref.output.x}", workflow)).isEqualTo("given-at-upgrade");
            assertThat(resolveOne("${skipped_ref.output.n}", workflow)).isEqualTo(3);
        }
    }

    // ---------------------------------------------------------------- paths

    @Nested
    class Paths {

        @Test
        void nestedPath() {
            Workflow workflow = workflow(Map.of(), Map.of(),
                    task("ref", TaskStatus.COMPLETED, Map.of(), map("a", map("b", "deep", "c", "other"))));

            assertThat(resolveOne("${ref.output.a.b}", workflow)).isEqualTo("deep");
        }

        @Test
        void nestedPathInWorkflowInput() {
            Workflow workflow = workflowWithInput("customer", map("address", map("city", "Lyon")));

            assertThat(resolveOne("${workflow.input.customer.address.city}", workflow)).isEqualTo("Lyon");
        }

        @Test
        void arrayIndex() {
            Workflow workflow = workflow(Map.of(), Map.of(),
                    task("ref", TaskStatus.COMPLETED, Map.of(), map("list", list("zero", "one", "two"))));

            assertThat(resolveOne("${ref.output.list[1]}", workflow)).isEqualTo("one");
            assertThat(resolveOne("${ref.output.list[0]}", workflow)).isEqualTo("zero");
        }

        @Test
        void arrayIndexThenField() {
            Workflow workflow = workflowWithInput("items", list(map("sku", "A1"), map("sku", "B2")));

            assertThat(resolveOne("${workflow.input.items[1].sku}", workflow)).isEqualTo("B2");
        }
    }

    // ---------------------------------------------------------------- types of whole values

    @Nested
    class WholeValueKeepsItsType {

        @Test
        void integer() {
            Object value = resolveOne("${workflow.input.n}", workflowWithInput("n", 42));

            assertThat(value).isInstanceOf(Integer.class).isEqualTo(42);
        }

        @Test
        void longNumber() {
            Object value = resolveOne("${workflow.input.n}", workflowWithInput("n", 5_000_000_000L));

            assertThat(value).isInstanceOf(Long.class).isEqualTo(5_000_000_000L);
        }

        @Test
        void decimal() {
            Object value = resolveOne("${workflow.input.n}", workflowWithInput("n", 2.5));

            assertThat(value).isInstanceOf(Double.class).isEqualTo(2.5);
        }

        @Test
        void booleanValue() {
            Object value = resolveOne("${workflow.input.flag}", workflowWithInput("flag", true));

            assertThat(value).isInstanceOf(Boolean.class).isEqualTo(true);
        }

        @Test
        void mapValue() {
            Map<String, Object> customer = map("name", "Ada", "age", 36, "tags", list("vip"));

            Object value = resolveOne("${workflow.input.customer}", workflowWithInput("customer", customer));

            assertThat(value).isInstanceOf(Map.class).isEqualTo(map("name", "Ada", "age", 36, "tags", list("vip")));
        }

        @Test
        void listValue() {
            Object value = resolveOne("${workflow.input.items}", workflowWithInput("items", list(1, "two", 3.0)));

            assertThat(value).isInstanceOf(List.class).isEqualTo(List.of(1, "two", 3.0));
        }

        @Test
        void taskOutputMapValue() {
            Workflow workflow = workflow(Map.of(), Map.of(),
                    task("ref", TaskStatus.COMPLETED, Map.of(), map("a", map("b", 1))));

            assertThat(resolveOne("${ref.output}", workflow)).isEqualTo(map("a", map("b", 1)));
        }
    }

    // ---------------------------------------------------------------- expressions in text

    @Nested
    class ExpressionsInsideText {

        @Test
        void numberBecomesText() {
            Object value = resolveOne("id-${workflow.input.n}", workflowWithInput("n", 7));

            assertThat(value).isEqualTo("id-7");
        }

        @Test
        void severalExpressionsInOneString() {
            Workflow workflow = workflow(map("first", "Ada", "last", "Lovelace"), map("greeting", "Hello"));

            Object value = resolveOne("${workflow.variables.greeting}, ${workflow.input.first} "
                    + "${workflow.input.last}!", workflow);

            assertThat(value).isEqualTo("Hello, Ada Lovelace!");
        }

        @Test
        void booleanAndDecimalBecomeText() {
            Object value = resolveOne("flag=${workflow.input.flag};rate=${workflow.input.rate}",
                    workflowWithInput("flag", true, "rate", 0.5));

            assertThat(value).isEqualTo("flag=true;rate=0.5");
        }

        @Test
        void leadingSpaceMakesItText() {
            Object value = resolveOne(" ${workflow.input.n}", workflowWithInput("n", 7));

            assertThat(value).isEqualTo(" 7");
        }

        @Test
        void specialReplacementCharactersInValuesAreInsertedLiterally() {
            Object value = resolveOne("price: ${workflow.input.p}", workflowWithInput("p", "$5 \\ $1"));

            assertThat(value).isEqualTo("price: $5 \\ $1");
        }

        @Test
        void plainStringsAndLoneDollarsAreLeftAlone() {
            Workflow workflow = workflowWithInput("x", "X");

            assertThat(resolveOne("just text", workflow)).isEqualTo("just text");
            assertThat(resolveOne("costs $5 {not an expression}", workflow))
                    .isEqualTo("costs $5 {not an expression}");
            assertThat(resolveOne("", workflow)).isEqualTo("");
        }
    }

    // ---------------------------------------------------------------- missing values

    @Nested
    class MissingValues {

        @Test
        void missingInputKeyIsNull() {
            Map<String, Object> resolved = ParameterResolver.resolve(map("p", "${workflow.input.nope}"),
                    workflowWithInput("x", 1));

            assertThat(resolved).containsEntry("p", null).hasSize(1);
        }

        @Test
        void missingVariableIsNull() {
            assertThat(resolveOne("${workflow.variables.nope}", workflowWithInput())).isNull();
        }

        @Test
        void unknownTaskReferenceIsNull() {
            assertThat(resolveOne("${ghost.output.x}", workflowWithInput())).isNull();
        }

        @Test
        void missingOutputKeyOfAnExistingTaskIsNull() {
            Workflow workflow = workflow(Map.of(), Map.of(),
                    task("ref", TaskStatus.COMPLETED, Map.of(), map("x", 1)));

            assertThat(resolveOne("${ref.output.y}", workflow)).isNull();
        }

        @Test
        void missingIntermediatePathIsNull() {
            assertThat(resolveOne("${workflow.input.a.b.c}", workflowWithInput("x", 1))).isNull();
        }

        @Test
        void pathThroughAScalarIsNull() {
            assertThat(resolveOne("${workflow.input.x.y}", workflowWithInput("x", "scalar"))).isNull();
        }

        @Test
        void arrayIndexOutOfRangeIsNull() {
            assertThat(resolveOne("${workflow.input.list[5]}", workflowWithInput("list", list("a", "b")))).isNull();
        }

        @Test
        void missingInsideALongerStringIsEmptyText() {
            Object value = resolveOne("id-${workflow.input.nope}-end", workflowWithInput("x", 1));

            assertThat(value).isEqualTo("id--end");
        }

        @Test
        void presentNullValueIsNull() {
            assertThat(resolveOne("${workflow.input.x}", workflowWithInput("x", null))).isNull();
        }
    }

    // ---------------------------------------------------------------- structure

    @Nested
    class Structure {

        @Test
        void nestedMapsAndListsAreResolvedRecursively() {
            Workflow workflow = workflow(map("id", "o-1", "qty", 2), map("region", "eu"),
                    task("a", TaskStatus.COMPLETED, Map.of(), map("sku", "S-9")));
            Map<String, Object> parameters = map(
                    "order", map(
                            "id", "${workflow.input.id}",
                            "lines", list(
                                    map("sku", "${a.output.sku}", "qty", "${workflow.input.qty}"),
                                    "${workflow.variables.region}",
                                    list("${workflow.input.id}", "literal")),
                            "label", "order ${workflow.input.id}"));

            Map<String, Object> resolved = ParameterResolver.resolve(parameters, workflow);

            assertThat(resolved).isEqualTo(map(
                    "order", map(
                            "id", "o-1",
                            "lines", list(
                                    map("sku", "S-9", "qty", 2),
                                    "eu",
                                    list("o-1", "literal")),
                            "label", "order o-1")));
        }

        @Test
        void nonStringValuesPassThrough() {
            Object marker = new Object();
            Map<String, Object> parameters = map("int", 1, "long", 2L, "double", 1.5, "bool", false, "null", null,
                    "other", marker);

            Map<String, Object> resolved = ParameterResolver.resolve(parameters, workflowWithInput("x", 1));

            assertThat(resolved).isEqualTo(parameters);
            assertThat(resolved.get("other")).isSameAs(marker);
            assertThat(resolved).containsKey("null");
        }

        @Test
        void allKeysAreKept() {
            Map<String, Object> resolved = ParameterResolver.resolve(
                    map("a", "${workflow.input.a}", "b", "literal", "c", "${workflow.input.nope}"),
                    workflowWithInput("a", "A"));

            assertThat(resolved).containsOnlyKeys("a", "b", "c");
            assertThat(resolved).containsEntry("a", "A").containsEntry("b", "literal").containsEntry("c", null);
        }

        @Test
        void emptyParametersGiveAnEmptyMap() {
            assertThat(ParameterResolver.resolve(Map.of(), workflowWithInput("x", 1))).isEmpty();
        }
    }

    // ---------------------------------------------------------------- purity

    @Nested
    class Purity {

        private Map<String, Object> parameters() {
            return map("a", "${workflow.input.customer}", "b", list("${t.output.list[0]}", map("c", "x-${t.input.k}")),
                    "d", 5);
        }

        private Workflow fixture() {
            return workflow(map("customer", map("name", "Ada")), map("v", 1),
                    task("t", TaskStatus.COMPLETED, map("k", "K"), map("list", list("first", "second"))));
        }

        @Test
        void sameInputsGiveEqualOutputs() {
            Map<String, Object> first = ParameterResolver.resolve(parameters(), fixture());
            Map<String, Object> second = ParameterResolver.resolve(parameters(), fixture());

            assertThat(first).isEqualTo(second)
                    .isEqualTo(map("a", map("name", "Ada"), "b", list("first", map("c", "x-K")), "d", 5));
        }

        @Test
        void inputsAreNotMutated() {
            Map<String, Object> parameters = parameters();
            Workflow workflow = fixture();

            ParameterResolver.resolve(parameters, workflow);

            assertThat(parameters).isEqualTo(parameters());
            assertThat(workflow).isEqualTo(fixture());
        }

        @Test
        void resolvingTwiceWithTheSameObjectsGivesTheSameResult() {
            Map<String, Object> parameters = parameters();
            Workflow workflow = fixture();

            assertThat(ParameterResolver.resolve(parameters, workflow))
                    .isEqualTo(ParameterResolver.resolve(parameters, workflow));
        }
    }
}
