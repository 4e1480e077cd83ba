package io.upgrader.upgrade;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import io.upgrader.support.UpgradeFixture;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The accept timer counts each accepted upgrade once per stage, and only accepted ones; actuator serves it. */
@EmbeddedInfrastructureTest
class AcceptTimingIT extends UpgradeFixture {

    private static final List<String> STAGES = List.of("check", "record", "publish");

    @Autowired
    MeterRegistry meters;

    @Test
    void eachStageOfAnAcceptedUpgradeIsTimedOnceAndARejectedOneNotAtAll() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        Map<String, Long> before = counts();

        Http.Response rejected = http.postJson("/api/workflow/" + workflowId + "/upgrade",
                Map.of("name", name, "version", 2, "taskOutput", Map.of("nope", Map.of())));
        assertThat(rejected.status()).as(rejected.body()).isEqualTo(400);
        assertThat(counts()).isEqualTo(before);

        Http.Response accepted = http.postJson("/api/workflow/" + workflowId + "/upgrade",
                Map.of("name", name, "version", 2));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        Map<String, Long> after = counts();
        STAGES.forEach(stage -> assertThat(after.get(stage)).as(stage).isEqualTo(before.get(stage) + 1));
        assertThat(timer("publish").totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();

        Http.Response served = http.get("/actuator/metrics/" + UpgradeRequests.ACCEPT_METRIC + "?tag=stage:publish");
        assertThat(served.status()).as(served.body()).isEqualTo(200);
        assertThat(served.json().path("measurements").findValuesAsString("statistic"))
                .contains("COUNT", "TOTAL_TIME", "MAX");
    }

    private Map<String, Long> counts() {
        return Map.of("check", timer("check").count(), "record", timer("record").count(),
                "publish", timer("publish").count());
    }

    private Timer timer(String stage) {
        return meters.get(UpgradeRequests.ACCEPT_METRIC).tag("stage", stage).timer();
    }
}
