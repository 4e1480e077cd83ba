package io.upgrader.upgrade;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The waiters without Spring, Kafka or MongoDB: a status table in memory, read counted. A waiter is woken by
 * {@link UpgradeWaiters#completed}, not by reading the store again; the cap refuses one waiter too many.
 */
class UpgradeWaitersTest {

    /** Long: a waiter woken only by the recheck would not return within any test's patience. */
    private static final Duration HOUR = Duration.ofHours(1);

    private final ExecutorService background = Executors.newCachedThreadPool();
    private final Map<String, UpgradeStatus> table = new ConcurrentHashMap<>();
    private final AtomicInteger reads = new AtomicInteger();
    private final UpgradeStatuses statuses = new UpgradeStatuses(null, null) {
        @Override
        public Optional<UpgradeStatus> find(String commandId) {
            reads.incrementAndGet();
            return Optional.ofNullable(table.get(commandId));
        }
    };

    @AfterEach
    void stop() {
        background.shutdownNow();
    }

    @Test
    void aWaiterReturnsTheFinalStatusWhenItIsCompletedNotAtTheDeadline() throws Exception {
        UpgradeWaiters waiters = waiters(10, HOUR);
        table.put("c1", status("c1", UpgradeStatus.State.ACCEPTED));

        CompletableFuture<UpgradeStatus> waiting = CompletableFuture.supplyAsync(() -> {
            try (UpgradeOutcomes.Waiter waiter = waiters.reserve()) {
                return waiter.awaitFinal("c1", Duration.ofMinutes(30));
            }
        }, background);
        await().atMost(Duration.ofSeconds(10)).until(() -> reads.get() >= 1);
        assertThat(waiting).isNotDone();
        assertThat(waiters.waiting()).isEqualTo(1);

        table.put("c1", status("c1", UpgradeStatus.State.APPLIED));
        waiters.completed("c1");

        // The recheck interval is an hour and the deadline half an hour: only the notification can end the wait.
        assertThat(waiting.get(10, TimeUnit.SECONDS).status()).isEqualTo(UpgradeStatus.State.APPLIED);
        assertThat(reads.get()).as("no poll loop: one read before parking, one after the wake-up").isLessThanOrEqualTo(3);
        assertThat(waiters.waiting()).isZero();
    }

    @Test
    void anAlreadyFinalStatusIsAnsweredAtOnce() {
        UpgradeWaiters waiters = waiters(10, HOUR);
        table.put("c2", status("c2", UpgradeStatus.State.NOOP));
        try (UpgradeOutcomes.Waiter waiter = waiters.reserve()) {
            assertThat(waiter.awaitFinal("c2", Duration.ofMinutes(30)).status()).isEqualTo(UpgradeStatus.State.NOOP);
        }
    }

    @Test
    void withoutANotificationTheRecheckSeesAStatusAnotherInstanceRecorded() throws Exception {
        UpgradeWaiters waiters = waiters(10, Duration.ofMillis(50));
        table.put("c3", status("c3", UpgradeStatus.State.ACCEPTED));
        CompletableFuture<UpgradeStatus> waiting = CompletableFuture.supplyAsync(() -> {
            try (UpgradeOutcomes.Waiter waiter = waiters.reserve()) {
                return waiter.awaitFinal("c3", Duration.ofMinutes(30));
            }
        }, background);
        await().atMost(Duration.ofSeconds(10)).until(() -> reads.get() >= 1);
        table.put("c3", status("c3", UpgradeStatus.State.REJECTED));   // no completed(): applied elsewhere
        assertThat(waiting.get(10, TimeUnit.SECONDS).status()).isEqualTo(UpgradeStatus.State.REJECTED);
    }

    @Test
    void atTheDeadlineTheStatusIsAnsweredAsItStands() {
        UpgradeWaiters waiters = waiters(10, HOUR);
        table.put("c4", status("c4", UpgradeStatus.State.ACCEPTED));
        try (UpgradeOutcomes.Waiter waiter = waiters.reserve()) {
            assertThat(waiter.awaitFinal("c4", Duration.ofMillis(100)).status())
                    .isEqualTo(UpgradeStatus.State.ACCEPTED);
        }
    }

    @Test
    void oneWaiterBeyondTheCapIsRefusedAndAPlaceIsFreedWhenAWaiterReturns() throws Exception {
        UpgradeWaiters waiters = waiters(1, HOUR);
        table.put("c5", status("c5", UpgradeStatus.State.ACCEPTED));
        CompletableFuture<UpgradeStatus> first = CompletableFuture.supplyAsync(() -> {
            try (UpgradeOutcomes.Waiter waiter = waiters.reserve()) {
                return waiter.awaitFinal("c5", Duration.ofMinutes(30));
            }
        }, background);
        await().atMost(Duration.ofSeconds(10)).until(() -> waiters.waiting() == 1);

        assertThatThrownBy(waiters::reserve).isInstanceOf(UpgradeOutcomes.TooManyWaitersException.class);

        table.put("c5", status("c5", UpgradeStatus.State.APPLIED));
        waiters.completed("c5");
        assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(UpgradeStatus.State.APPLIED);
        try (UpgradeOutcomes.Waiter again = waiters.reserve()) {
            assertThat(waiters.waiting()).isEqualTo(1);
        }
        assertThat(waiters.waiting()).isZero();
    }

    @Test
    void severalRequestsWaitingForOneCommandAreAllWoken() throws Exception {
        UpgradeWaiters waiters = waiters(10, HOUR);
        table.put("c6", status("c6", UpgradeStatus.State.ACCEPTED));
        List<CompletableFuture<UpgradeStatus>> waiting = List.of(1, 2, 3).stream().map(i ->
                CompletableFuture.supplyAsync(() -> {
                    try (UpgradeOutcomes.Waiter waiter = waiters.reserve()) {
                        return waiter.awaitFinal("c6", Duration.ofMinutes(30));
                    }
                }, background)).toList();
        await().atMost(Duration.ofSeconds(10)).until(() -> waiters.waiting() == 3 && reads.get() >= 3);
        table.put("c6", status("c6", UpgradeStatus.State.NOOP));
        waiters.completed("c6");
        for (CompletableFuture<UpgradeStatus> one : waiting) {
            assertThat(one.get(10, TimeUnit.SECONDS).status()).isEqualTo(UpgradeStatus.State.NOOP);
        }
    }

    private UpgradeWaiters waiters(int max, Duration recheck) {
        return new UpgradeWaiters(statuses, new UpgradeProperties(max, recheck, Duration.ofDays(7),
                Duration.ofDays(30), Duration.ofHours(1)));
    }

    private static UpgradeStatus status(String commandId, UpgradeStatus.State state) {
        return new UpgradeStatus(commandId, "wf", "name", state, null, 1, 2, List.of(), Instant.now(),
                state.isFinal() ? Instant.now() : null, null);
    }
}
