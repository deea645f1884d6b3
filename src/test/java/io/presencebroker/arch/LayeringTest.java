package io.presencebroker.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The package layering: one package per flow (lifecycle, delivery, announce, api) over a shared base (sqs, store,
 * failure, health, metrics, json) that imports no flow, so a flow can be read, changed or left out without the others.
 */
class LayeringTest {

    static final String[] FLOWS = {"io.presencebroker.lifecycle..", "io.presencebroker.delivery..",
        "io.presencebroker.announce..", "io.presencebroker.api.."};

    final JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.presencebroker");

    @Test
    void theSharedBaseImportsNoFlow() {
        noClasses().that().resideInAnyPackage("io.presencebroker.sqs..", "io.presencebroker.store..",
                        "io.presencebroker.failure..", "io.presencebroker.health..", "io.presencebroker.metrics..",
                        "io.presencebroker.json..")
                .should().dependOnClassesThat().resideInAnyPackage(FLOWS)
                .check(classes);
    }

    @Test
    void theLifecycleFlowImportsNeitherDeliveryNorTheApi() {
        noClasses().that().resideInAPackage("io.presencebroker.lifecycle..")
                .should().dependOnClassesThat().resideInAnyPackage("io.presencebroker.delivery..", "io.presencebroker.api..")
                .check(classes);
    }
}
