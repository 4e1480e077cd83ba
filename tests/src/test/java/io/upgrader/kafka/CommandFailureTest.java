package io.upgrader.kafka;

import com.mongodb.MongoSocketReadException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.ServerAddress;
import io.upgrader.error.ConflictException;
import io.upgrader.error.NotFoundException;
import io.upgrader.execution.ExecutionRejected;
import io.upgrader.execution.Executions;
import io.upgrader.upgrade.Rejection;
import io.upgrader.upgrade.UpgradeApplier;
import io.upgrader.upgrade.UpgradeCommandBus;
import io.upgrader.upgrade.UpgradeRequests;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.TimeoutException;
import org.bson.BsonSerializationException;
import org.bson.codecs.configuration.CodecConfigurationException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;

import java.util.List;
import java.util.concurrent.ExecutionException;

import static io.upgrader.kafka.CommandFailure.DOMAIN;
import static io.upgrader.kafka.CommandFailure.INFRASTRUCTURE;
import static io.upgrader.kafka.CommandFailure.INVALID_RECORD;
import static io.upgrader.kafka.CommandFailure.UNEXPECTED;
import static io.upgrader.kafka.CommandFailure.classify;
import static org.assertj.core.api.Assertions.assertThat;

class CommandFailureTest {

    @Test
    void aRecordThatIsNotACommandIsInvalidWhereverItSitsInTheChain() {
        assertThat(classify(new InvalidUpgradeCommandException("not JSON"))).isEqualTo(INVALID_RECORD);
        assertThat(classify(new IllegalStateException("wrapped", new InvalidUpgradeCommandException("x"))))
                .isEqualTo(INVALID_RECORD);
    }

    @Test
    void anUnreachableStoreOrBrokerIsInfrastructureEvenWrapped() {
        assertThat(classify(new MongoTimeoutException("no server"))).isEqualTo(INFRASTRUCTURE);
        assertThat(classify(new MongoSocketReadException("reset", new ServerAddress()))).isEqualTo(INFRASTRUCTURE);
        assertThat(classify(new DataAccessResourceFailureException("down", new MongoTimeoutException("t"))))
                .isEqualTo(INFRASTRUCTURE);
        assertThat(classify(new TimeoutException("metadata"))).isEqualTo(INFRASTRUCTURE);
        assertThat(classify(new NotEnoughReplicasException("isr"))).isEqualTo(INFRASTRUCTURE);
        // How the event sink reports an unacknowledged send.
        assertThat(classify(new IllegalStateException("12 events not all acknowledged",
                new ExecutionException(new NetworkException("gone"))))).isEqualTo(INFRASTRUCTURE);
        assertThat(classify(new IllegalStateException("not acknowledged",
                new java.util.concurrent.TimeoutException()))).isEqualTo(INFRASTRUCTURE);
        assertThat(classify(new UpgradeApplier.ConcurrentUpdateException("kept changing")))
                .isEqualTo(INFRASTRUCTURE);
    }

    @Test
    void aReasonOfTheCommandItselfIsDomain() {
        Rejection rejection = new Rejection(Rejection.Reason.UNKNOWN_WORKFLOW, "Workflow w not found", List.of());
        assertThat(classify(new UpgradeRequests.UpgradeRejectedException(rejection))).isEqualTo(DOMAIN);
        assertThat(classify(new ExecutionRejected(ExecutionRejected.Reason.WORKFLOW_NOT_FOUND, "gone")))
                .isEqualTo(DOMAIN);
        assertThat(classify(new IllegalStateException("wrapped",
                new ExecutionRejected(ExecutionRejected.Reason.WORKFLOW_ENDED, "ended")))).isEqualTo(DOMAIN);
    }

    /** The same error types HTTP answers with: what is not retryable there is the command's own reason here. */
    @Test
    void anyDomainExceptionThatIsNotRetryableIsDomain() {
        assertThat(classify(new NotFoundException("Workflow w not found"))).isEqualTo(DOMAIN);
        assertThat(classify(new IllegalStateException("wrapped", new ConflictException("ended")))).isEqualTo(DOMAIN);
    }

    /** ... and what HTTP calls retryable is retried here for as long as it takes, wherever it sits in the chain. */
    @Test
    void aRetryableDomainExceptionIsRetriedLikeInfrastructure() {
        assertThat(classify(new Executions.ConcurrentChangeException("kept changing"))).isEqualTo(INFRASTRUCTURE);
        assertThat(classify(new UpgradeCommandBus.CommandNotPublishedException("not acknowledged", null)))
                .isEqualTo(INFRASTRUCTURE);
        assertThat(classify(new IllegalStateException("wrapped",
                new UpgradeApplier.ConcurrentUpdateException("kept changing")))).isEqualTo(INFRASTRUCTURE);
    }

    @Test
    void bugsAndUnreadableDocumentsAreUnexpectedNotPoisonNotForever() {
        assertThat(classify(new NullPointerException())).isEqualTo(UNEXPECTED);
        assertThat(classify(new IllegalArgumentException("Cannot deserialize int from Object"))).isEqualTo(UNEXPECTED);
        assertThat(classify(new IllegalStateException("simulated crash"))).isEqualTo(UNEXPECTED);
        assertThat(classify(new CodecConfigurationException("no codec for BigInteger"))).isEqualTo(UNEXPECTED);
        assertThat(classify(new BsonSerializationException("null character"))).isEqualTo(UNEXPECTED);
        assertThat(classify(new RuntimeException("outer", new IllegalArgumentException("inner"))))
                .isEqualTo(UNEXPECTED);
    }

    @Test
    void infrastructureWinsOverWhatWrapsIt() {
        assertThat(classify(new IllegalArgumentException("bad", new MongoTimeoutException("t"))))
                .isEqualTo(INFRASTRUCTURE);
        assertThat(classify(new ExecutionRejected(ExecutionRejected.Reason.WORKFLOW_NOT_FOUND, "x")
                .initCause(new TimeoutException("t")))).isEqualTo(INFRASTRUCTURE);
    }

    @Test
    void aCauseCycleEnds() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(classify(a)).isEqualTo(UNEXPECTED);
    }
}
