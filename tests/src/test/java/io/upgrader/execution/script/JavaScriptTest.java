package io.upgrader.execution.script;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JavaScriptTest {

    private static final Duration LIMIT = Duration.ofSeconds(2);

    private static Object eval(String expression, Map<String, Object> input) {
        return JavaScript.evaluate(expression, input, LIMIT);
    }

    @Test
    void aValueExpressionSeesTheInputAsDollar() {
        assertThat(eval("$.value > 2 ? 'big' : 'small'", Map.of("value", 3))).isEqualTo("big");
        assertThat(eval("$.value > 2 ? 'big' : 'small'", Map.of("value", 1))).isEqualTo("small");
    }

    @Test
    void anImmediatelyInvokedFunctionGivesItsReturnValue() {
        assertThat(eval("(function () { return $.a + $.b; })()", Map.of("a", 2, "b", 40))).isEqualTo(42L);
    }

    @Test
    void conductorsDeclareThenCallStyleGivesTheCallsValue() {
        String expression = "function e() { if ($.value == 1) { return {'result': true} } else { return {'result': false} } } e();";

        assertThat(eval(expression, Map.of("value", 1))).isEqualTo(Map.of("result", true));
    }

    @Test
    void nestedMapsAndListsAreReadableAsObjectsAndArrays() {
        Map<String, Object> input = Map.of(
                "a", Map.of("b", List.of(Map.of("c", "deep"))),
                "items", List.of(1, 2, 3),
                "x", Map.of("iteration", 7));

        assertThat(eval("$.a.b[0].c", input)).isEqualTo("deep");
        assertThat(eval("$.items.length", input)).isEqualTo(3L);
        assertThat(eval("$.x['iteration']", input)).isEqualTo(7L);
        assertThat(eval("$.items.map(function (i) { return i * 2; })", input)).isEqualTo(List.of(2L, 4L, 6L));
    }

    @Test
    void objectsComeBackAsOrderedMapsAndArraysAsLists() {
        Object result = eval("({z: 1, a: [true, 'x', null, {n: 1.5}]})", Map.of());

        assertThat(result).isInstanceOf(LinkedHashMap.class);
        assertThat(List.copyOf(((Map<?, ?>) result).keySet())).isEqualTo(List.of("z", "a"));
        assertThat(result).isEqualTo(Map.of("z", 1L, "a", Arrays.asList(true, "x", null, Map.of("n", 1.5))));
    }

    @Test
    void numbersAreLongWhenIntegralAndDoubleOtherwise() {
        assertThat(eval("7", Map.of())).isEqualTo(7L);
        assertThat(eval("6 / 3", Map.of())).isEqualTo(2L);
        assertThat(eval("-0.25", Map.of())).isEqualTo(-0.25);
        assertThat(eval("Math.pow(2, 53)", Map.of())).isEqualTo(9007199254740992L);
        assertThat(eval("1e21", Map.of())).isEqualTo(1e21);
        assertThat(eval("$.big", Map.of("big", Long.MAX_VALUE / 2))).isInstanceOf(Long.class);
    }

    @Test
    void booleansStringsNullAndUndefinedConvert() {
        assertThat(eval("$.flag === true", Map.of("flag", true))).isEqualTo(true);
        assertThat(eval("'text'", Map.of())).isEqualTo("text");
        assertThat(eval("null", Map.of())).isNull();
        assertThat(eval("undefined", Map.of())).isNull();
        assertThat(eval("$.missing", Map.of())).isNull();
        assertThat(eval("", Map.of())).isNull();
        Map<String, Object> withNull = new LinkedHashMap<>();
        withNull.put("n", null);
        assertThat(eval("$.n === null", withNull)).isEqualTo(true);
    }

    @Test
    void aNullInputIsAnEmptyObject() {
        assertThat(eval("Object.keys($).length", null)).isEqualTo(0L);
    }

    @Test
    void theScriptCannotChangeTheCallersInput() {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("list", new ArrayList<>(List.of(1)));

        eval("$.list.push(2); $.added = true; $.list", input);

        assertThat(input).isEqualTo(Map.of("list", List.of(1)));
    }

    @Test
    void eachEvaluationStartsWithFreshGlobals() {
        eval("globalThis.leaked = 'yes'", Map.of());

        assertThat(eval("typeof leaked", Map.of())).isEqualTo("undefined");
    }

    @Test
    void evaluationsOnManyThreadsAtOnceEachSeeTheirOwnInput() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<Object>> results = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int k = i;
                results.add(threads.submit(() -> eval("globalThis.k = $.k; k * 2", Map.of("k", k))));
            }
            for (int i = 0; i < 100; i++) {
                assertThat(results.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(2L * i);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aThrowingScriptFailsWithTheErrorItThrew() {
        assertThatThrownBy(() -> eval("$.a.b.c", Map.of()))
                .isInstanceOf(ScriptFailure.class)
                .hasMessageStartingWith("expression threw: TypeError");
        assertThatThrownBy(() -> eval("throw new Error('no luck')", Map.of()))
                .isInstanceOf(ScriptFailure.class)
                .hasMessage("expression threw: Error: no luck");
    }

    @Test
    void aSyntaxErrorIsReportedAsSuch() {
        assertThatThrownBy(() -> eval("$.value > ", Map.of()))
                .isInstanceOf(ScriptFailure.class)
                .hasMessageStartingWith("expression has a syntax error: ");
    }

    @Test
    void aValueJsonCannotHoldIsReportedAsSuch() {
        assertThatThrownBy(() -> eval("var o = {}; o.self = o; o", Map.of()))
                .isInstanceOf(ScriptFailure.class)
                .hasMessageStartingWith("expression returned a value that JSON cannot hold: TypeError");
    }

    @Test
    void anEndlessLoopStopsAtTheTimeLimit() {
        Duration limit = Duration.ofMillis(300);
        assertThatThrownBy(() -> JavaScript.evaluate("while (true) {}", Map.of(), limit))
                .isInstanceOf(ScriptFailure.class)
                .hasMessage("expression ran longer than 300 ms");

        // The engine is still usable afterwards, and the limit did not outlive its evaluation.
        assertThat(JavaScript.evaluate("1 + 1", Map.of(), limit)).isEqualTo(2L);
    }

    @Test
    void theHostIsOutOfReach() {
        assertThatThrownBy(() -> eval("Java.type('java.lang.System')", Map.of()))
                .isInstanceOf(ScriptFailure.class)
                .hasMessageStartingWith("expression threw: ");
        // GraalJS keeps Nashorn's package globals, but with class lookup denied they lead nowhere.
        assertThatThrownBy(() -> eval("java.lang.System.exit(1)", Map.of()))
                .isInstanceOf(ScriptFailure.class)
                .hasMessageContaining("is not a function");
        assertThatThrownBy(() -> eval("java.lang.System.getProperty('user.home')", Map.of()))
                .isInstanceOf(ScriptFailure.class)
                .hasMessageContaining("is not a function");
        assertThatThrownBy(() -> eval("Polyglot.eval('js', '1')", Map.of()))
                .isInstanceOf(ScriptFailure.class);
        assertThatThrownBy(() -> eval("load('/etc/passwd')", Map.of()))
                .isInstanceOf(ScriptFailure.class);
        assertThatThrownBy(() -> eval("new Worker('x')", Map.of()))
                .isInstanceOf(ScriptFailure.class);
    }
}
