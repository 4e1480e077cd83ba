package io.upgrader.execution;

import io.upgrader.execution.script.JavaScript;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Builds the JavaScript engine in the background once the service is up: the first build takes seconds (more
 * on a loaded machine), which would otherwise fall on the first request that starts or moves a workflow with
 * an INLINE task, a javascript SWITCH or a DO_WHILE.
 */
@Component
class ScriptEngineWarmUp {

    private static final Logger log = LoggerFactory.getLogger(ScriptEngineWarmUp.class);

    @EventListener(ApplicationReadyEvent.class)
    void warmUp() {
        Thread thread = new Thread(() -> {
            long started = System.nanoTime();
            try {
                JavaScript.warmUp();
                log.info("JavaScript engine ready in {} ms", (System.nanoTime() - started) / 1_000_000);
            } catch (RuntimeException | LinkageError e) {
                log.warn("JavaScript engine could not be built; INLINE and javascript expressions will fail: {}",
                        e.toString());
            }
        }, "script-engine-warm-up");
        thread.setDaemon(true);
        thread.start();
    }
}
