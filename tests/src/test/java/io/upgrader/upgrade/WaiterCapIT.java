package io.upgrader.upgrade;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import io.upgrader.support.UpgradeFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.test.context.TestPropertySource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code upgrader.upgrade.max-waiters=1}, in a context of its own (its own broker and database: it stops its own
 * command listener, never the shared context's): while one request waits for its outcome
 * (held by the stopped command consumer, so that its command cannot be applied yet), a second request that asks
 * to wait is refused with 429 and Conductor's error body, and publishes nothing; once the consumer runs, the
 * first is answered with its APPLIED status long before its 30 s deadline would give a 202.
 */
@EmbeddedInfrastructureTest
@TestPropertySource(properties = {"upgrader.upgrade.max-waiters=1", "spring.mongodb.database=upgrader_waiter_cap"})
class WaiterCapIT extends UpgradeFixture {

    private static final ExecutorService BACKGROUND = Executors.newCachedThreadPool();

    @Autowired
    KafkaListenerEndpointRegistry listeners;
    @Autowired
    UpgradeWaiters waiters;

    @AfterAll
    static void stopBackground() {
        BACKGROUND.shutdownNow();
    }

    @Test
    void aSecondWaiterBeyondTheCapIsA429AndPublishesNothing() throws Exception {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String held = start(name, 1, Map.of());
        String refused = start(name, 1, Map.of());
        MessageListenerContainer consumer = listeners.getListenerContainer("upgrade-commands");

        CompletableFuture<Http.Response> first;
        consumer.stop();
        try {
            first = CompletableFuture.supplyAsync(() -> http.postJson("/api/workflow/" + held
                    + "/upgrade?waitForSeconds=30", Map.of("name", name, "version", 2)), BACKGROUND);
            // Published and parked: the only place is taken.
            await().atMost(Duration.ofSeconds(20)).until(() -> observed.commandsFor(held).size() == 1
                    && waiters.waiting() == 1 || first.isDone());
            assertThat(first.isDone()).as("the first request still waits").isFalse();

            Http.Response second = http.postJson("/api/workflow/" + refused + "/upgrade?waitForSeconds=5",
                    Map.of("name", name, "version", 2));
            assertThat(second.status()).as(second.body()).isEqualTo(429);
            assertThat(second.json().path("status").asInt()).isEqualTo(429);
            assertThat(second.json().path("retryable").asBoolean()).isTrue();
            assertThat(second.json().path("message").asString()).contains("waiting");

            // Without waitForSeconds, nothing to wait for: not capped.
            Http.Response plain = http.postJson("/api/workflow/" + refused + "/upgrade",
                    Map.of("name", name, "version", 2));
            assertThat(plain.status()).as(plain.body()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> observed.commandsFor(refused).size() == 1);
            assertThat(observed.commandsFor(refused)).as("the refused request published nothing").hasSize(1);
            assertThat(first.isDone()).as("the first request still waits").isFalse();
        } finally {
            consumer.start();
        }

        Http.Response answered = first.get(60, TimeUnit.SECONDS);
        assertThat(answered.status()).as(answered.body()).isEqualTo(200);
        assertThat(answered.json().path("status").asString()).isEqualTo("APPLIED");
        await().atMost(Duration.ofSeconds(10)).until(() -> waiters.waiting() == 0);
    }
}
