package io.upgrader;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchIgnore;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.upgrader.execution.Decider;
import io.upgrader.upgrade.UpgradePlanner;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.RestController;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.conditions.ArchPredicates.are;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The architecture, checked on the main classes (not the tests) at every build.
 * <ul>
 *   <li>The core: the feature packages {@code upgrade}, {@code execution}, {@code definition} and {@code bulk}.</li>
 *   <li>The adapters: {@code kafka}, {@code mongo}, {@code web}; {@code embedded} and {@code baseline} are
 *   development and measurement aids, which the core must not know either.</li>
 *   <li>Controllers stay in their feature package as that feature's HTTP adapter. They may use Spring MVC, but
 *   like the rest of the core not {@code io.upgrader.web}: the shared error handling there maps the core's
 *   exceptions, so a controller that used it would make a cycle. Nothing else in the core uses a controller.</li>
 * </ul>
 */
@AnalyzeClasses(packages = "io.upgrader", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final String[] CORE = {"io.upgrader.upgrade..", "io.upgrader.execution..",
            "io.upgrader.definition..", "io.upgrader.bulk.."};

    /** What the pure planning code must not reach, even through the classes it uses. */
    private static final DescribedPredicate<JavaClass> FRAMEWORKS_AND_ADAPTERS = resideInAnyPackage(
            "org.springframework..", "org.apache.kafka..", "com.mongodb..", "org.bson..", "io.upgrader.web..")
            .as("Spring, Kafka, MongoDB or io.upgrader.web");

    private static final DescribedPredicate<JavaClass> CONTROLLERS = are(annotatedWithAny(RestController.class,
            Controller.class, ControllerAdvice.class)).as("controllers");

    /**
     * The planner and the decider are pure functions, run on the HTTP path and again on every redelivery; they,
     * and every class they use, reach nothing of a framework or an adapter (transitively, so a helper cannot
     * smuggle one in).
     */
    @ArchTest
    static final ArchRule planner_and_decider_are_pure = noClasses()
            .that().belongToAnyOf(UpgradePlanner.class, Decider.class)
            .should().transitivelyDependOnClassesThat(FRAMEWORKS_AND_ADAPTERS);

    /**
     * Between the top-level packages. (The OpenAPI description, which reads the controllers, is a package of its own
     * for this: in contract or web it closed cycles with the core, which uses both.)
     */
    @ArchTest
    static final ArchRule top_level_packages_are_free_of_cycles = slices().matching("io.upgrader.(*)..")
            .should().beFreeOfCycles();

    /** Kafka is the kafka adapter's: the core owns interfaces (the command bus, the event sink, the batch sender). */
    @ArchTest
    static final ArchRule core_does_not_depend_on_kafka = noClasses().that().resideInAnyPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage("io.upgrader.kafka..", "org.apache.kafka..",
                    "org.springframework.kafka..");

    /**
     * MongoDB is the mongo adapter's. Not yet: the stores are still in the feature packages. They implement the
     * interfaces the upgrade core uses (execution.UpgradableExecutions, definition.WorkflowDefinitions,
     * upgrade.UpgradeStatusRecords), so the move is mechanical, but every store and what maps its documents has to
     * go at once or the slices get cycles (the mappers use mongo.DocumentMapper).
     */
    @ArchIgnore(reason = """
            Remaining violations (the stores not yet moved to io.upgrader.mongo): \
            upgrade.UpgradeStatusStore; execution.ExecutionStore, ExecutionDocuments, ExecutionUpdate, WorkflowSearch; \
            definition.DefinitionStore, DefinitionSnapshots, TaskDefStore, DefinitionRules (mongo.StorableValues); \
            bulk.BulkBatchStore, BulkCounts""")
    @ArchTest
    static final ArchRule core_does_not_depend_on_mongo = noClasses().that().resideInAnyPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage("io.upgrader.mongo..", "com.mongodb..", "org.bson..",
                    "org.springframework.data.mongodb..");

    /** Controllers included: the shared error handling in web maps the core's exceptions, not the reverse. */
    @ArchIgnore(reason = """
            Remaining violations, for the error-model branch (web types out of the core): \
            upgrade.UpgradeController, UpgradeRequestBody; \
            execution.ExecutionController, ExecutionErrors, WorkflowQueryController; \
            definition.DefinitionController, TaskDefController, DefinitionRules (web.ErrorBody.ValidationError); \
            bulk.BulkUpgradeController""")
    @ArchTest
    static final ArchRule core_does_not_depend_on_web = noClasses().that().resideInAnyPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage("io.upgrader.web..");

    @ArchTest
    static final ArchRule core_does_not_depend_on_embedded_or_baseline = noClasses().that().resideInAnyPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage("io.upgrader.embedded..", "io.upgrader.baseline..");

    @ArchTest
    static final ArchRule core_does_not_use_its_controllers = noClasses().that().resideInAnyPackage(CORE)
            .and(DescribedPredicate.not(CONTROLLERS))
            .should().dependOnClassesThat(CONTROLLERS);

    private static DescribedPredicate<JavaClass> annotatedWithAny(Class<?>... annotations) {
        return DescribedPredicate.describe("annotated with a controller annotation", javaClass -> {
            for (Class<?> annotation : annotations) {
                if (javaClass.isAnnotatedWith(annotation.asSubclass(java.lang.annotation.Annotation.class))
                        || javaClass.isMetaAnnotatedWith(annotation.asSubclass(java.lang.annotation.Annotation.class))) {
                    return true;
                }
            }
            return false;
        });
    }
}
