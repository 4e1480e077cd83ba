package io.upgrader.execution;

import io.upgrader.execution.WorkflowSearchQuery.Criteria;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkflowSearchQueryTest {

    @Test
    void blankOrMissingAsksForEverything() {
        assertThat(WorkflowSearchQuery.parse(null)).isEqualTo(Criteria.ANY);
        assertThat(WorkflowSearchQuery.parse("  ")).isEqualTo(Criteria.ANY);
    }

    @Test
    void inListsJoinedByAnd() {
        Criteria criteria = WorkflowSearchQuery.parse("workflowType IN (order) AND status IN (RUNNING,PAUSED)");
        assertThat(criteria.workflowTypes()).containsExactly("order");
        assertThat(criteria.statuses()).containsExactly(WorkflowStatus.RUNNING, WorkflowStatus.PAUSED);
        assertThat(criteria.versions()).isNull();
        assertThat(criteria.workflowIds()).isNull();
        assertThat(criteria.correlationIds()).isNull();
    }

    @Test
    void equalsWithQuotedAndBareValues() {
        Criteria criteria = WorkflowSearchQuery.parse("workflowType = \"order\" AND version = 2");
        assertThat(criteria.workflowTypes()).containsExactly("order");
        assertThat(criteria.versions()).containsExactly(2);
        assertThat(WorkflowSearchQuery.parse("workflowType='a b' and workflowVersion IN ( 1 , 3 )"))
                .isEqualTo(new Criteria(Set.of("a b"), Set.of(1, 3), null, null, null));
    }

    @Test
    void idsAndCorrelationIds() {
        Criteria criteria = WorkflowSearchQuery.parse("workflowId IN (a-1, b_2) AND correlationId = 'c:1'");
        assertThat(criteria.workflowIds()).containsExactly("a-1", "b_2");
        assertThat(criteria.correlationIds()).containsExactly("c:1");
    }

    @Test
    void fieldsAndKeywordsIgnoreCaseAndStatusesAreNormalised() {
        Criteria criteria = WorkflowSearchQuery.parse("WORKFLOWTYPE in (x) AnD Status = completed");
        assertThat(criteria.workflowTypes()).containsExactly("x");
        assertThat(criteria.statuses()).containsExactly(WorkflowStatus.COMPLETED);
    }

    @Test
    void twoClausesOnOneFieldIntersect() {
        Criteria criteria = WorkflowSearchQuery.parse("status IN (RUNNING, PAUSED) AND status = PAUSED");
        assertThat(criteria.statuses()).containsExactly(WorkflowStatus.PAUSED);
        Criteria none = WorkflowSearchQuery.parse("workflowType = a AND workflowType = b");
        assertThat(none.workflowTypes()).isEmpty();
        assertThat(none.matchesNothing()).isTrue();
        assertThat(criteria.matchesNothing()).isFalse();
    }

    @Test
    void unsupportedFieldIsNamed() {
        assertThatThrownBy(() -> WorkflowSearchQuery.parse("workflowType = a AND startTime > 5"))
                .isInstanceOf(WorkflowSearchQuery.Unsupported.class).hasMessageContaining("'startTime'");
    }

    @Test
    void orIsRefused() {
        assertThatThrownBy(() -> WorkflowSearchQuery.parse("status = RUNNING OR status = PAUSED"))
                .isInstanceOf(WorkflowSearchQuery.Unsupported.class).hasMessageContaining("only AND")
                .hasMessageContaining("OR status = PAUSED");
    }

    @Test
    void otherOperatorsAreRefused() {
        assertThatThrownBy(() -> WorkflowSearchQuery.parse("version > 2"))
                .isInstanceOf(WorkflowSearchQuery.Unsupported.class).hasMessageContaining("operator")
                .hasMessageContaining("> 2");
        assertThatThrownBy(() -> WorkflowSearchQuery.parse("version != 2"))
                .isInstanceOf(WorkflowSearchQuery.Unsupported.class).hasMessageContaining("operator");
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> WorkflowSearchQuery.parse("version = two"))
                .isInstanceOf(WorkflowSearchQuery.Unsupported.class).hasMessageContaining("'two' is not a number");
        assertThatThrownBy(() -> WorkflowSearchQuery.parse("status IN (RUNNING, SLEEPING)"))
                .isInstanceOf(WorkflowSearchQuery.Unsupported.class).hasMessageContaining("'SLEEPING'");
    }

    @Test
    void malformedClausesAreRefused() {
        assertThatThrownBy(() -> WorkflowSearchQuery.parse("status IN (RUNNING"))
                .isInstanceOf(WorkflowSearchQuery.Unsupported.class).hasMessageContaining("expected ')'");
        assertThatThrownBy(() -> WorkflowSearchQuery.parse("workflowType = \"order"))
                .isInstanceOf(WorkflowSearchQuery.Unsupported.class).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> WorkflowSearchQuery.parse("workflowType ="))
                .isInstanceOf(WorkflowSearchQuery.Unsupported.class).hasMessageContaining("expected a value");
        assertThatThrownBy(() -> WorkflowSearchQuery.parse("workflowType = a AND"))
                .isInstanceOf(WorkflowSearchQuery.Unsupported.class).hasMessageContaining("expected a field");
        assertThatThrownBy(() -> WorkflowSearchQuery.parse("(workflowType = a)"))
                .isInstanceOf(WorkflowSearchQuery.Unsupported.class).hasMessageContaining("expected a field");
    }
}
