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

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
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
 *   <li>The other top-level packages (task, security, console, health, observability, openapi, contract,
 *   background) are held by the cycle rule only.</li>
 * </ul>
 * A rule that today's code still breaks is written as it should hold and carries {@link ArchIgnore} with the
 * classes that break it, not a frozen list of violations: remove the annotation once they are gone.
 */
@AnalyzeClasses(packages = "io.upgrader", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final String[] CORE = {"io.upgrader.upgrade..", "io.upgrader.execution..",
            "io.upgrader.definition..", "io.upgrader.bulk.."};

    /** What the pure planning code must not reach, even through the classes it uses. */
    private static final DescribedPredicate<JavaClass> FRAMEWORKS_AND_ADAPTERS = resideInAnyPackage(
            "org.springframework..", "org.apache.kafka..", "com.mongodb..", "org.bson..", "io.upgrader.web..")
            .as("reside in Spring, Kafka, MongoDB or io.upgrader.web");

    /** @RestController and @RestControllerAdvice are meta-annotated with these two. */
    private static final DescribedPredicate<JavaClass> CONTROLLERS = DescribedPredicate.describe("are controllers",
            javaClass -> javaClass.isMetaAnnotatedWith(Controller.class) || javaClass.isAnnotatedWith(Controller.class)
                    || javaClass.isMetaAnnotatedWith(ControllerAdvice.class)
                    || javaClass.isAnnotatedWith(ControllerAdvice.class));

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
     * MongoDB is the mongo adapter's: the stores (in {@code io.upgrader.mongo} and its sub-packages, one per feature)
     * implement interfaces the core owns, such as execution.ExecutionRecords, definition.WorkflowDefRegistry,
     * upgrade.UpgradeStatusRecords and bulk.BulkBatches. What user input must be to be stored exactly is checked in
     * io.upgrader.input (StorableValues), which the core uses and which uses no driver.
     */
    @ArchTest
    static final ArchRule core_does_not_depend_on_mongo = noClasses().that().resideInAnyPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage("io.upgrader.mongo..", "com.mongodb..", "org.bson..",
                    "org.springframework.data.mongodb..");

    /** Controllers included: the shared error handling in web maps the core's exceptions, not the reverse. */
    @ArchTest
    static final ArchRule core_does_not_depend_on_web = noClasses().that().resideInAnyPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage("io.upgrader.web..");

    @ArchTest
    static final ArchRule core_does_not_depend_on_embedded_or_baseline = noClasses().that().resideInAnyPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage("io.upgrader.embedded..", "io.upgrader.baseline..");

    @ArchTest
    static final ArchRule core_does_not_use_its_controllers = noClasses().that().resideInAnyPackage(CORE)
            .and(DescribedPredicate.not(CONTROLLERS).as("are not controllers"))
            .should().dependOnClassesThat(CONTROLLERS);
}
